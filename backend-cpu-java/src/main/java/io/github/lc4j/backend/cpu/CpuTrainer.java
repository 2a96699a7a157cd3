package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BaseTrainer;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.api.support.Checks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The pure-Java primitives: forward, backward and the LC penalty on host arrays. */
final class CpuTrainer extends BaseTrainer {
    private final Parallel parallel;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    /** The parameters in model order, for the loops of a step (a map's iterator is an allocation). */
    private final Parameter[] parameterList;
    /** One op per layer; null for flatten, whose flat layout is already [C·H·W]. */
    private final List<Op> ops = new ArrayList<>();

    private final boolean[] needsInputGradient;
    /** Activations of each layer's output (index i + 1 for op i), grown with the batch, reused by every step. */
    private final float[][] activations;
    /** The gradient flowing into each layer's input (index i for op i) and into the logits (last index). */
    private final float[][] gradients;

    CpuTrainer(Backend backend, ModelSpec model, TrainerOptions options, int threads) {
        super(backend, model, options);
        for (ParameterSpec spec : model.parameters()) {
            parameters.put(spec.name(), new Parameter(spec.name(), spec.size()));
        }
        List<int[]> shapes = model.activationShapes();
        int[] inputShape = model.inputShape();
        needsInputGradient = model.inputGradientNeeded();
        for (int i = 0; i < model.layers().size(); i++) {
            ops.add(model.layers().get(i).accept(new OpBuilder(inputShape, shapes.get(i))));
            inputShape = shapes.get(i);
        }
        this.parameterList = parameters.values().toArray(new Parameter[0]);
        this.parallel = new Parallel(threads);
        this.activations = new float[ops.size() + 1][];
        this.gradients = new float[ops.size() + 1][];
    }

    /** Builds the op of one layer. */
    private final class OpBuilder implements Layer.Visitor<Op> {
        private final int[] inputShape;
        private final int[] outputShape;
        private final int inputSize;

        OpBuilder(int[] inputShape, int[] outputShape) {
            this.inputShape = inputShape;
            this.outputShape = outputShape;
            this.inputSize = Checks.elementCount(inputShape);
        }

        @Override
        public Op dense(Layer.Dense dense) {
            return new DenseOp(
                    inputSize,
                    dense.units(),
                    parameters.get(dense.name() + ".weight"),
                    parameters.get(dense.name() + ".bias"));
        }

        @Override
        public Op conv2d(Layer.Conv2d conv) {
            return new ConvOp(
                    inputShape,
                    outputShape,
                    conv.kernelSize(),
                    conv.stride(),
                    conv.padding(),
                    parameters.get(conv.name() + ".weight"),
                    parameters.get(conv.name() + ".bias"));
        }

        @Override
        public Op maxPool2d(Layer.MaxPool2d pool) {
            return new MaxPoolOp(inputShape, outputShape, pool.size(), pool.stride());
        }

        @Override
        public Op relu(Layer.Relu relu) {
            return new ActivationOp(inputSize, false);
        }

        @Override
        public Op tanh(Layer.Tanh tanh) {
            return new ActivationOp(inputSize, true);
        }

        @Override
        public Op flatten(Layer.Flatten flatten) {
            return null;
        }
    }

    @Override
    protected void writeParameters(Weights weights) {
        for (Parameter parameter : parameters.values()) {
            weights.copyInto(parameter.name, parameter.value);
        }
    }

    @Override
    protected Map<String, float[]> readParameters() {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, parameter.value.clone()));
        return values;
    }

    @Override
    protected void resetMomentum() {
        for (Parameter parameter : parameters.values()) {
            Arrays.fill(parameter.velocity, 0f);
        }
    }

    @Override
    protected Map<String, float[]> readMomentum() {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, parameter.velocity.clone()));
        return values;
    }

    @Override
    protected void writeMomentum(Map<String, float[]> momentum) {
        for (Parameter parameter : parameters.values()) {
            float[] velocity = momentum.get(parameter.name);
            System.arraycopy(velocity, 0, parameter.velocity, 0, velocity.length);
        }
    }

    @Override
    protected void writePenalty(Map<String, float[]> targets, double mu) {
        for (Parameter parameter : parameters.values()) {
            parameter.target = targets.get(parameter.name);
        }
    }

    @Override
    protected double forward(Batch batch, int[] predictions) {
        float[][] activations = activations(batch);
        int classes = model().classCount();
        int size = batch.size();
        float[] logits = activations[activations.length - 1];
        double lossSum = 0;
        for (int row = 0; row < size; row++) {
            lossSum += SoftmaxCrossEntropy.rowLoss(logits, row * classes, classes, batch.labels()[row], null, 0);
            predictions[row] = SoftmaxCrossEntropy.argmax(logits, row * classes, classes);
        }
        return lossSum / size;
    }

    @Override
    protected double computeGradients(Batch batch) {
        int size = batch.size();
        float[][] activations = activations(batch);
        int classes = model().classCount();
        float[] logits = activations[activations.length - 1];
        float[] gradient = buffer(gradients, ops.size(), size * classes);
        double lossSum = 0;
        float scale = 1f / size;
        for (int row = 0; row < size; row++) {
            lossSum +=
                    SoftmaxCrossEntropy.rowLoss(logits, row * classes, classes, batch.labels()[row], gradient, scale);
        }
        for (int i = ops.size() - 1; i >= 0; i--) {
            Op op = ops.get(i);
            if (op == null) {
                continue;
            }
            float[] inputGradient = null;
            if (needsInputGradient[i]) {
                inputGradient = buffer(gradients, i, size * op.inputSize);
                Arrays.fill(inputGradient, 0, size * op.inputSize, 0f);
            }
            op.backward(activations[i], activations[i + 1], gradient, inputGradient, size, parallel);
            gradient = inputGradient;
            if (gradient == null) {
                break;
            }
        }
        double mu = penaltyWeight();
        if (mu > 0) {
            float penalty = (float) mu;
            for (Parameter parameter : parameterList) {
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

    @Override
    protected Map<String, float[]> readGradients() {
        Map<String, float[]> gradients = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> gradients.put(name, parameter.gradient.clone()));
        return gradients;
    }

    @Override
    protected void applyUpdate(double learningRate) {
        for (Parameter parameter : parameterList) {
            options().update(parameter.value, parameter.gradient, parameter.velocity, (float) learningRate);
        }
    }

    /** Runs the ops forward into the kept activation buffers; returns them, [0] being the batch's inputs. */
    private float[][] activations(Batch batch) {
        int size = batch.size();
        activations[0] = batch.inputs();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op == null) {
                activations[i + 1] = activations[i];
            } else {
                activations[i + 1] = buffer(activations, i + 1, size * op.outputSize);
                op.forward(activations[i], activations[i + 1], size, parallel);
            }
        }
        return activations;
    }

    /**
     * Returns {@code buffers[index]} when it holds at least {@code length} values, else a new array
     * stored there: buffers only grow, so a smaller last batch of an epoch reuses them. Ops index
     * only the first {@code length} values.
     */
    private static float[] buffer(float[][] buffers, int index, int length) {
        float[] current = buffers[index];
        if (current == null || current.length < length) {
            current = new float[length];
            buffers[index] = current;
        }
        return current;
    }

    /** Returns the ids of the threads besides the caller's that compute this trainer's steps. */
    long[] workerThreadIds() {
        return parallel.workerIds();
    }

    @Override
    protected void release() {
        parallel.close();
    }
}
