package io.github.lc4j.backend.cpu;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.Batch;
import io.github.lc4j.api.Checks;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Trainer;
import io.github.lc4j.api.TrainerChecks;
import io.github.lc4j.api.TrainerOptions;
import io.github.lc4j.api.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The pure-Java trainer: forward, backward, LC penalty and SGD with (Nesterov) momentum. */
final class CpuTrainer implements Trainer {
    private final ModelSpec model;
    private final TrainerOptions options;
    private final Parallel parallel;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final List<Op> ops = new ArrayList<>();
    private final boolean[] needsInputGradient;
    private double mu;
    private boolean loaded;
    private boolean closed;

    CpuTrainer(ModelSpec model, TrainerOptions options) {
        this.model = requireNonNull(model, "model is null");
        this.options = requireNonNull(options, "options is null");
        for (ParameterSpec spec : model.parameters()) {
            parameters.put(spec.name(), new Parameter(spec.name(), spec.size()));
        }
        List<int[]> shapes = model.activationShapes();
        int[] inputShape = model.inputShape();
        needsInputGradient = model.inputGradientNeeded();
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            int[] outputShape = shapes.get(i);
            int inputSize = Checks.elementCount(inputShape);
            if (layer instanceof Layer.Dense dense) {
                ops.add(new DenseOp(inputSize, dense.units(), parameters.get(dense.name() + ".weight"),
                        parameters.get(dense.name() + ".bias")));
            } else if (layer instanceof Layer.Conv2d conv) {
                ops.add(new ConvOp(inputShape, outputShape, conv.kernelSize(), conv.stride(), conv.padding(),
                        parameters.get(conv.name() + ".weight"), parameters.get(conv.name() + ".bias")));
            } else if (layer instanceof Layer.MaxPool2d pool) {
                ops.add(new MaxPoolOp(inputShape, outputShape, pool.size(), pool.stride()));
            } else if (layer instanceof Layer.Relu) {
                ops.add(new ActivationOp(inputSize, false));
            } else if (layer instanceof Layer.Tanh) {
                ops.add(new ActivationOp(inputSize, true));
            } else {
                ops.add(null); // flatten: the flat layout is already [C·H·W]
            }
            inputShape = outputShape;
        }
        this.parallel = new Parallel(options.threads());
    }

    @Override
    public ModelSpec model() {
        return model;
    }

    @Override
    public void load(Weights weights) {
        checkOpen();
        TrainerChecks.checkLoadable(model, weights);
        for (Parameter parameter : parameters.values()) {
            weights.copyInto(parameter.name, parameter.value);
            Arrays.fill(parameter.velocity, 0f);
        }
        loaded = true;
    }

    @Override
    public Weights snapshot() {
        checkReady();
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, parameter.value.clone()));
        return Weights.of(model, values);
    }

    @Override
    public void setPenalty(Map<String, float[]> targets, double penaltyWeight) {
        checkOpen();
        Map<String, float[]> checked = TrainerChecks.checkPenalty(model, targets, penaltyWeight);
        for (Parameter parameter : parameters.values()) {
            parameter.target = checked.get(parameter.name);
        }
        this.mu = penaltyWeight;
    }

    @Override
    public double step(Batch batch, double learningRate) {
        checkReady();
        TrainerChecks.checkLearningRate(learningRate);
        double loss = computeGradients(batch);
        update((float) learningRate);
        return loss;
    }

    @Override
    public Map<String, float[]> gradients(Batch batch) {
        checkReady();
        computeGradients(batch);
        Map<String, float[]> gradients = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> gradients.put(name, parameter.gradient.clone()));
        return gradients;
    }

    @Override
    public Evaluation evaluate(Batch batch) {
        checkReady();
        batch.checkFits(model);
        float[][] activations = forward(batch);
        int classes = model.classCount();
        int size = batch.size();
        float[] logits = activations[activations.length - 1];
        double lossSum = 0;
        int errors = 0;
        for (int row = 0; row < size; row++) {
            lossSum += SoftmaxCrossEntropy.rowLoss(logits, row * classes, classes, batch.labels()[row], null, 0);
            if (SoftmaxCrossEntropy.argmax(logits, row * classes, classes) != batch.labels()[row]) {
                errors++;
            }
        }
        return new Evaluation(lossSum / size, errors, size);
    }

    /** Runs forward and backward, leaves loss + penalty gradients in the parameters, returns the mean loss. */
    private double computeGradients(Batch batch) {
        batch.checkFits(model);
        int size = batch.size();
        float[][] activations = forward(batch);
        int classes = model.classCount();
        float[] logits = activations[activations.length - 1];
        float[] gradient = new float[logits.length];
        double lossSum = 0;
        float scale = 1f / size;
        for (int row = 0; row < size; row++) {
            lossSum += SoftmaxCrossEntropy.rowLoss(logits, row * classes, classes, batch.labels()[row], gradient,
                    scale);
        }
        for (int i = ops.size() - 1; i >= 0; i--) {
            Op op = ops.get(i);
            if (op == null) {
                continue;
            }
            float[] inputGradient = needsInputGradient[i] ? new float[size * op.inputSize] : null;
            op.backward(activations[i], activations[i + 1], gradient, inputGradient, size, parallel);
            gradient = inputGradient;
            if (gradient == null) {
                break;
            }
        }
        if (mu > 0) {
            float penalty = (float) mu;
            for (Parameter parameter : parameters.values()) {
                float[] target = parameter.target;
                if (target != null) {
                    float[] g = parameter.gradient;
                    float[] w = parameter.value;
                    for (int j = 0; j < g.length; j++) {
                        g[j] += penalty * (w[j] - target[j]);
                    }
                }
            }
        }
        return lossSum / size;
    }

    private float[][] forward(Batch batch) {
        int size = batch.size();
        float[][] activations = new float[ops.size() + 1][];
        activations[0] = batch.inputs();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op == null) {
                activations[i + 1] = activations[i];
            } else {
                activations[i + 1] = new float[size * op.outputSize];
                op.forward(activations[i], activations[i + 1], size, parallel);
            }
        }
        return activations;
    }

    /** v ← m·v + g; w ← w − lr·(g + m·v) with Nesterov, w ← w − lr·v without. */
    private void update(float learningRate) {
        float momentum = (float) options.momentum();
        boolean nesterov = options.nesterov();
        for (Parameter parameter : parameters.values()) {
            float[] w = parameter.value;
            float[] g = parameter.gradient;
            float[] v = parameter.velocity;
            if (momentum == 0f) {
                for (int j = 0; j < w.length; j++) {
                    w[j] -= learningRate * g[j];
                }
            } else if (nesterov) {
                for (int j = 0; j < w.length; j++) {
                    float velocity = momentum * v[j] + g[j];
                    v[j] = velocity;
                    w[j] -= learningRate * (g[j] + momentum * velocity);
                }
            } else {
                for (int j = 0; j < w.length; j++) {
                    float velocity = momentum * v[j] + g[j];
                    v[j] = velocity;
                    w[j] -= learningRate * velocity;
                }
            }
        }
    }

    private void checkOpen() {
        TrainerChecks.checkOpen(CpuJavaBackend.NAME, closed);
    }

    private void checkReady() {
        TrainerChecks.checkReady(CpuJavaBackend.NAME, closed, loaded);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            parallel.close();
        }
    }
}
