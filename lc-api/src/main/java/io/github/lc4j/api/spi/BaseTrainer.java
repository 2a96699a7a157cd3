package io.github.lc4j.api.spi;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.support.Checks;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The trainer protocol, written once for every backend: the lifecycle and argument checks of
 * {@link BaseEvaluator}, penalty targets and μ (checked and copied before a backend sees them),
 * the momentum reset on load, the order of a step (gradients of the loss, then the update rule
 * of {@link TrainerOptions}, then the proximal pull toward the penalty targets), the penalty's
 * gradient μ(w − t) added on the host for {@link #lossAndGradients}, and the straight-through
 * step built from the same primitives.
 *
 * <p>Modes: {@link #step}, {@link #straightThroughStep} and {@link #lossAndGradients} run the
 * net in training mode (batch normalization on the batch's statistics, moving its running
 * statistics toward them); {@link #evaluate} runs it in inference mode (the running statistics,
 * nothing changes). Running statistics are parameters that get no gradient, no momentum and no
 * penalty: every map of momentum, gradients and penalty targets holds the trainable parameters
 * only ({@link ModelSpec#trainableParameters()}); weights hold every parameter.
 *
 * <p>A backend supplies primitives: write and read parameters, reset the momentum, store penalty
 * targets, compute the gradients of a batch, apply the update to the last gradients. It may
 * override {@link #fusedStep} when it can compute and apply in one pass; the conformance suite
 * checks that both paths follow the same rule.
 */
public abstract class BaseTrainer extends BaseEvaluator implements Trainer {
    private final TrainerOptions options;
    private double mu;
    private Map<String, float[]> targets = Map.of();

    /**
     * Checks that {@code backend} supports every node of {@code model}.
     *
     * @throws UnsupportedOperationException naming the first unsupported node and the backend
     */
    protected BaseTrainer(Backend backend, ModelSpec model, TrainerOptions options) {
        super(backend, model);
        this.options = requireNonNull(options, "options is null");
    }

    @Override
    protected final void loadChecked(Weights weights) {
        writeParameters(weights);
        resetMomentum();
    }

    @Override
    public final Weights snapshot() {
        checkReady();
        return Weights.of(model(), readParameters());
    }

    @Override
    public final Map<String, float[]> momentum() {
        checkReady();
        return readMomentum();
    }

    @Override
    public final void restore(Weights weights, Map<String, float[]> momentum) {
        requireNonNull(momentum, "momentum is null");
        Map<String, float[]> copies = new LinkedHashMap<>();
        momentum.forEach((name, values) -> copies.put(name, checkedCopy("momentum", name, values)));
        for (ParameterSpec parameter : model().trainableParameters()) {
            if (!copies.containsKey(parameter.name())) {
                throw new InvalidInputException("momentum lacks parameter " + parameter.name() + " of model "
                        + model().name() + "; it holds " + copies.keySet());
            }
        }
        load(weights);
        writeMomentum(copies);
    }

    @Override
    public final void setPenalty(Map<String, float[]> targets, double penaltyWeight) {
        checkOpen();
        requireNonNull(targets, "targets is null");
        Checks.checkNonNegative(penaltyWeight, "μ");
        Map<String, float[]> copies = new LinkedHashMap<>();
        targets.forEach((name, target) -> copies.put(name, checkedCopy("penalty target", name, target)));
        writePenalty(copies, penaltyWeight);
        this.mu = penaltyWeight;
        this.targets = copies;
    }

    @Override
    public final double step(Batch batch, double learningRate) {
        checkReady();
        Checks.checkNonNegative(learningRate, "learning rate");
        batch.checkFits(model());
        return fusedStep(batch, learningRate);
    }

    @Override
    public final double straightThroughStep(Batch batch, Map<String, float[]> quantized, double learningRate) {
        checkReady();
        Checks.checkNonNegative(learningRate, "learning rate");
        batch.checkFits(model());
        requireNonNull(quantized, "quantized is null");
        Map<String, float[]> floats = readParameters();
        Map<String, float[]> evaluationPoint = new LinkedHashMap<>(floats);
        quantized.forEach((name, values) -> evaluationPoint.put(name, checkedCopy("quantized weights", name, values)));
        writeParameters(Weights.of(model(), evaluationPoint));
        double loss;
        try {
            loss = computeGradients(batch);
        } finally {
            // the float weights come back even when the backend fails at the quantized point; the
            // running statistics keep what this training-mode pass made of them
            Map<String, float[]> restore = readParameters();
            for (ParameterSpec parameter : model().trainableParameters()) {
                restore.put(parameter.name(), floats.get(parameter.name()));
            }
            writeParameters(Weights.of(model(), restore));
        }
        applyUpdate(learningRate);
        return loss;
    }

    @Override
    public final Map<String, float[]> gradients(Batch batch) {
        return lossAndGradients(batch).gradients();
    }

    @Override
    public final LossAndGradients lossAndGradients(Batch batch) {
        checkReady();
        batch.checkFits(model());
        double loss = computeGradients(batch);
        Map<String, float[]> gradients = readGradients();
        if (mu > 0 && !targets.isEmpty()) {
            Map<String, float[]> weights = readParameters();
            targets.forEach((name, target) -> {
                float[] w = weights.get(name);
                float[] g = gradients.get(name);
                float penalty = (float) mu;
                for (int i = 0; i < g.length; i++) {
                    g[i] += penalty * (w[i] - target[i]);
                }
            });
        }
        return new LossAndGradients(loss, gradients);
    }

    /** Returns the momentum and Nesterov setting this trainer updates with. */
    protected final TrainerOptions options() {
        return options;
    }

    /** Returns the μ of the last {@link #setPenalty} call (0 before any). */
    protected final double penaltyWeight() {
        return mu;
    }

    @Override
    String kind() {
        return "trainer";
    }

    private float[] checkedCopy(String what, String name, float[] values) {
        ParameterSpec parameter;
        try {
            parameter = model().parameter(name);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(what + " for unknown parameter '" + name + "': " + e.getMessage());
        }
        requireNonNull(values, what + " for " + name + " is null");
        if (values.length != parameter.size()) {
            throw new InvalidInputException(
                    what + " for " + name + " has " + values.length + " values, the parameter has " + parameter.size());
        }
        Checks.checkFinite(values, what + " for " + name);
        return values.clone();
    }

    // ----------------------------------------------------------------------------- primitives

    /**
     * Computes the gradients of {@code batch} and applies the update; the default calls
     * {@link #computeGradients} then {@link #applyUpdate}. Override to fuse both.
     *
     * @return the mean cross-entropy of the batch before the update
     */
    protected double fusedStep(Batch batch, double learningRate) {
        double loss = computeGradients(batch);
        applyUpdate(learningRate);
        return loss;
    }

    /** Returns copies of the current parameter values, by parameter name in model order. */
    protected abstract Map<String, float[]> readParameters();

    /** Sets the momentum state of every parameter to zero. */
    protected abstract void resetMomentum();

    /** Returns copies of the momentum buffers, by parameter name in model order. */
    protected abstract Map<String, float[]> readMomentum();

    /** Writes checked copies of every parameter's momentum buffer (all parameters present, sizes right). */
    protected abstract void writeMomentum(Map<String, float[]> momentum);

    /**
     * Stores checked copies of the penalty targets and μ ≥ 0 for the following steps; parameters
     * absent from {@code targets} get no penalty.
     */
    protected abstract void writePenalty(Map<String, float[]> targets, double mu);

    /**
     * Runs {@code batch} forward and backward and keeps the gradient of the mean cross-entropy
     * (without the penalty, which the update treats exactly) for {@link #applyUpdate} and
     * {@link #readGradients}.
     *
     * @return the mean cross-entropy of the batch (without the penalty)
     */
    protected abstract double computeGradients(Batch batch);

    /** Returns copies of the gradients kept by the last {@link #computeGradients}. */
    protected abstract Map<String, float[]> readGradients();

    /**
     * Applies {@link TrainerOptions#update} with {@code learningRate} to every parameter, using the
     * gradients kept by the last {@link #computeGradients}; then, when μ &gt; 0, pulls every
     * parameter with a penalty target toward it with {@link TrainerOptions#pullTowardTarget} and
     * the pull {@code options().penaltyPull(learningRate, μ)}.
     */
    protected abstract void applyUpdate(double learningRate);
}
