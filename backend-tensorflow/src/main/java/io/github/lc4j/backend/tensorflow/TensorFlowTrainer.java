package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BaseTrainer;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The TensorFlow primitives: on {@link TensorFlowNet}'s training-mode forward graph, the gradients
 * ({@code Ops.gradients} of the loss with respect to the trainable parameters only), TensorFlow's
 * fused momentum update, and after it the penalty's proximal pull w ← w − c·(w − t) as TensorFlow's
 * fused proximal kernel, with the strength γ fed per step. Momentum, penalty targets (held
 * negated) and the kept gradients are graph variables of the trainable parameters; targets are
 * assigned once per {@code setPenalty} and are never differentiated. The running statistics
 * of batch normalization are variables that are loaded and read with the weights, moved by every
 * training-mode pass and never trained. A step is one session run.
 */
final class TensorFlowTrainer extends BaseTrainer {
    private final TensorFlowNet net;
    /**
     * The learning rate and the penalty strength γ of the steps: variables assigned only when they
     * change (once per L step), so that a step feeds nothing but its batch.
     */
    private Variable<TFloat32> learningRate;

    private Placeholder<TFloat32> learningRateIn;
    private Placeholder<TFloat32> pullIn;
    private Op setRates;
    private float currentRate = Float.NaN;
    private float currentPull = Float.NaN;
    private final List<TrainingNodes> training = new ArrayList<>();
    private final List<Op> resetMomentum = new ArrayList<>();
    private final List<Variable<TFloat32>> velocities = new ArrayList<>();
    private final List<Placeholder<TFloat32>> velocityInputs = new ArrayList<>();
    private final List<Op> loadMomentum = new ArrayList<>();
    private final List<Op> storeGradients = new ArrayList<>();
    private final List<Op> fusedUpdates = new ArrayList<>();
    private final List<Op> storedUpdates = new ArrayList<>();
    /** Each update followed by the pull toward the parameter's target; runs its update first. */
    private final List<Op> fusedPulls = new ArrayList<>();

    private final List<Op> storedPulls = new ArrayList<>();
    /** The penalty strength γ of the running step (see {@link TrainerOptions#penaltyStrength}). */
    private Variable<TFloat32> pull;

    private Operand<TFloat32> zero;
    private Operand<TFloat32> one;
    /** Which trainable parameters have a penalty target (by position in {@code net.trainable}). */
    private boolean[] penalized = new boolean[0];

    /** The training nodes of one parameter. */
    private record TrainingNodes(
            Variable<TFloat32> negatedTarget,
            Variable<TFloat32> keptGradient,
            Placeholder<TFloat32> targetIn,
            Op setTarget) {}

    TensorFlowTrainer(Backend backend, ModelSpec model, TrainerOptions options, String device, int threads) {
        super(backend, model, options);
        net = new TensorFlowNet(model, device, true);
        try {
            buildTrainingOps(options);
            net.open(threads);
            writePenalty(Map.of(), 0);
        } catch (RuntimeException e) {
            net.close(); // the graph (and session) are native: a half-built trainer must not leak them
            throw e;
        }
    }

    private void buildTrainingOps(TrainerOptions options) {
        Ops tf = net.tf;
        learningRate = tf.variable(Shape.scalar(), TFloat32.class);
        pull = tf.variable(Shape.scalar(), TFloat32.class);
        learningRateIn = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        pullIn = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        setRates = tf.withControlDependencies(List.of(tf.assign(learningRate, learningRateIn)))
                .assign(pull, pullIn);
        zero = tf.constant(0f);
        one = tf.constant(1f);
        // only the trainable variables: the running statistics get no gradient
        var gradientOps = tf.gradients(
                net.trainingLoss,
                net.trainable.stream().map(TensorFlowNet.ParameterNodes::value).toList());
        List<Operand<TFloat32>> gradients = new ArrayList<>();
        int position = 0;
        for (TensorFlowNet.ParameterNodes node : net.trainable) {
            Shape shape = Shape.of(node.shape());
            Variable<TFloat32> velocity = tf.variable(shape, TFloat32.class);
            Variable<TFloat32> target = tf.variable(shape, TFloat32.class);
            Variable<TFloat32> keptGradient = tf.variable(shape, TFloat32.class);
            Placeholder<TFloat32> targetIn = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
            training.add(new TrainingNodes(target, keptGradient, targetIn, tf.assign(target, targetIn)));
            velocities.add(velocity);
            Placeholder<TFloat32> velocityIn = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
            velocityInputs.add(velocityIn);
            loadMomentum.add(tf.assign(velocity, velocityIn));
            resetMomentum.add(tf.assign(velocity, tf.zeros(tf.constant(node.shape()), TFloat32.class)));
            Operand<TFloat32> gradient = tf.identity(gradientOps.<TFloat32>dy(position++));
            gradients.add(gradient);
            storeGradients.add(tf.assign(keptGradient, gradient));
        }
        // variables are read lazily: no update may run before every gradient (hence every read) is done,
        // nor before the running statistics have moved
        List<Op> before = new ArrayList<>(gradients);
        before.addAll(net.statisticUpdates);
        Ops after = tf.withControlDependencies(before);
        int index = 0;
        for (TensorFlowNet.ParameterNodes node : net.trainable) {
            Op fused = update(after, node.value(), velocities.get(index), gradients.get(index), options);
            Op stored = update(tf, node.value(), velocities.get(index), training.get(index).keptGradient, options);
            fusedUpdates.add(fused);
            storedUpdates.add(stored);
            fusedPulls.add(pullTowardTarget(tf, fused, node.value(), training.get(index).negatedTarget));
            storedPulls.add(pullTowardTarget(tf, stored, node.value(), training.get(index).negatedTarget));
            index++;
        }
    }

    /**
     * w ← (w + γ·t)/(1 + γ) = w − c·(w − t), after {@code update} has written w: TensorFlow's fused
     * proximal kernel, (w − α·δ)/(1 + α·l2) with α = γ, l2 = 1 and δ = −t (the target variable
     * holds −t), one operation where the element-wise form takes three.
     */
    private Op pullTowardTarget(Ops tf, Op update, Variable<TFloat32> value, Variable<TFloat32> negatedTarget) {
        Ops after = tf.withControlDependencies(List.of(update));
        return after.train.applyProximalGradientDescent(value, pull, zero, one, negatedTarget);
    }

    /**
     * TensorFlow's fused kernels for {@link TrainerOptions#update}: v ← m·v + g, then
     * w ← w − lr·(g + m·v) (Nesterov) or w ← w − lr·v, in one pass instead of five element-wise
     * operations.
     */
    private Op update(
            Ops tf,
            Variable<TFloat32> value,
            Variable<TFloat32> velocity,
            Operand<TFloat32> gradient,
            TrainerOptions options) {
        float momentum = (float) options.momentum();
        return momentum > 0
                ? tf.train.applyMomentum(
                        value,
                        velocity,
                        learningRate,
                        gradient,
                        tf.constant(momentum),
                        ApplyMomentum.useNesterov(options.nesterov()))
                : tf.train.applyGradientDescent(value, learningRate, gradient);
    }

    @Override
    protected void writeParameters(Weights weights) {
        net.write(weights, List.of());
    }

    @Override
    protected void resetMomentum() {
        Session.Runner runner = net.session().runner();
        resetMomentum.forEach(runner::addTarget);
        runner.run().close();
    }

    @Override
    protected Map<String, float[]> readParameters() {
        return net.readAll();
    }

    @Override
    protected Map<String, float[]> readMomentum() {
        return net.fetchPerParameter(net.trainable, velocities);
    }

    @Override
    protected void writeMomentum(Map<String, float[]> momentum) {
        List<TFloat32> tensors = new ArrayList<>();
        try {
            Session.Runner runner = net.session().runner();
            int index = 0;
            for (TensorFlowNet.ParameterNodes parameter : net.trainable) {
                TFloat32 tensor = TensorFlowNet.floats(parameter.shape(), momentum.get(parameter.name()));
                tensors.add(tensor);
                runner.feed(velocityInputs.get(index), tensor).addTarget(loadMomentum.get(index));
                index++;
            }
            runner.run().close();
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }

    @Override
    protected void writePenalty(Map<String, float[]> targets, double mu) {
        List<TFloat32> tensors = new ArrayList<>();
        boolean[] withTarget = new boolean[net.trainable.size()];
        try {
            Session.Runner runner = net.session().runner();
            int index = 0;
            for (TensorFlowNet.ParameterNodes parameter : net.trainable) {
                float[] target = targets.get(parameter.name());
                if (target != null) {
                    TrainingNodes node = training.get(index);
                    float[] negated = new float[target.length];
                    for (int i = 0; i < target.length; i++) {
                        negated[i] = -target[i];
                    }
                    TFloat32 targetTensor = TensorFlowNet.floats(parameter.shape(), negated);
                    tensors.add(targetTensor);
                    runner.feed(node.targetIn, targetTensor).addTarget(node.setTarget);
                    withTarget[index] = true;
                }
                index++;
            }
            if (!tensors.isEmpty()) {
                runner.run().close();
            }
        } finally {
            tensors.forEach(TFloat32::close);
        }
        penalized = withTarget;
    }

    @Override
    protected double fusedStep(Batch batch, double rate) {
        float c = (float) options().penaltyStrength(rate, penaltyWeight());
        setRates((float) rate, c);
        return run(batch, updates(fusedUpdates, fusedPulls, c), runner -> {});
    }

    /** Assigns the learning rate and γ where they differ from the variables' (a session run of its own). */
    private void setRates(float rate, float c) {
        if (Float.floatToIntBits(rate) == Float.floatToIntBits(currentRate)
                && Float.floatToIntBits(c) == Float.floatToIntBits(currentPull)) {
            return;
        }
        try (TFloat32 lr = TFloat32.scalarOf(rate);
                TFloat32 pulled = TFloat32.scalarOf(c)) {
            net.session()
                    .runner()
                    .feed(learningRateIn, lr)
                    .feed(pullIn, pulled)
                    .addTarget(setRates)
                    .run()
                    .close();
        }
        currentRate = rate;
        currentPull = c;
    }

    /** Each parameter's update, or its update then pull where it has a target and {@code c > 0}. */
    private List<Op> updates(List<Op> plain, List<Op> pulled, float c) {
        if (c == 0) {
            return plain;
        }
        List<Op> targets = new ArrayList<>(plain.size());
        for (int i = 0; i < plain.size(); i++) {
            targets.add(penalized[i] ? pulled.get(i) : plain.get(i));
        }
        return targets;
    }

    @Override
    protected double computeGradients(Batch batch) {
        return run(batch, storeGradients, runner -> {});
    }

    @Override
    protected Map<String, float[]> readGradients() {
        return net.fetchPerParameter(
                net.trainable,
                training.stream().map(TrainingNodes::keptGradient).toList());
    }

    @Override
    protected void applyUpdate(double rate) {
        float c = (float) options().penaltyStrength(rate, penaltyWeight());
        setRates((float) rate, c);
        Session.Runner runner = net.session().runner();
        updates(storedUpdates, storedPulls, c).forEach(runner::addTarget);
        runner.run().close();
    }

    /**
     * Feeds one batch and whatever {@code feeds} adds, runs {@code targets} and the moves of the
     * running statistics (a training-mode pass), returns the training-mode loss.
     */
    private double run(Batch batch, List<Op> targets, Consumer<Session.Runner> feeds) {
        try (TFloat32 x = TensorFlowNet.batchInputs(batch);
                TInt32 y = TensorFlowNet.batchLabels(batch)) {
            Session.Runner runner = net.session().runner().feed(net.inputs, x).feed(net.labels, y);
            feeds.accept(runner);
            runner.fetch(net.trainingLoss);
            targets.forEach(runner::addTarget);
            net.statisticUpdates.forEach(runner::addTarget);
            try (Result result = runner.run()) {
                return ((TFloat32) result.get(0)).getFloat();
            }
        }
    }

    @Override
    protected double forward(Batch batch, int[] predictions) {
        return net.forward(batch, predictions);
    }

    @Override
    protected void release() {
        net.close();
    }
}
