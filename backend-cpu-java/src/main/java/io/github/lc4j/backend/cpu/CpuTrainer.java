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
    /** Elements per task of the update: large enough that a task outweighs its hand-over. */
    private static final int UPDATE_CHUNK = 1 << 15;

    private final Parallel.RangeBody updateRange = this::updateRange;
    /** The parameter, rate and penalty switch of the running {@link #updateAll}, read by its tasks. */
    private Parameter updating;

    private float updateRate;
    private boolean updateWithPenalty;
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
        double loss = lossGradients(batch);
        if (penaltyWeight() > 0) {
            for (Parameter parameter : parameterList) {
                if (parameter.target != null) {
                    addPenalty(parameter, 0, parameter.gradient.length);
                }
            }
        }
        return loss;
    }

    /**
     * One pass over every parameter instead of two: the penalty's gradient μ(w − t) is added where
     * the update reads the gradient, each parameter split over the threads. Element by element the
     * same operations as {@link #computeGradients} then {@link #applyUpdate}, so the same numbers.
     */
    @Override
    protected double fusedStep(Batch batch, double learningRate) {
        double loss = lossGradients(batch);
        updateAll(learningRate, penaltyWeight() > 0);
        return loss;
    }

    @Override
    protected void applyUpdate(double learningRate) {
        updateAll(learningRate, false);
    }

    private void updateAll(double learningRate, boolean withPenalty) {
        updateRate = (float) learningRate;
        for (Parameter parameter : parameterList) {
            updating = parameter;
            updateWithPenalty = withPenalty && parameter.target != null;
            parallel.forChunks(parameter.value.length, UPDATE_CHUNK, updateRange);
        }
        updating = null;
    }

    private void updateRange(int from, int to) {
        if (updateWithPenalty) {
            addPenalty(updating, from, to);
        }
        options().update(updating.value, updating.gradient, updating.velocity, updateRate, from, to);
    }

    private void addPenalty(Parameter parameter, int from, int to) {
        float penalty = (float) penaltyWeight();
        float[] g = parameter.gradient;
        float[] w = parameter.value;
        float[] target = parameter.target;
        for (int j = from; j < to; j++) {
            g[j] += penalty * (w[j] - target[j]);
        }
    }

    /** Runs the batch forward and backward: the gradient of the mean cross-entropy alone, kept in every parameter. */
    private double lossGradients(Batch batch) {
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
        return lossSum / size;
    }

    @Override
    protected Map<String, float[]> readGradients() {
        Map<String, float[]> gradients = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> gradients.put(name, parameter.gradient.clone()));
        return gradients;
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
