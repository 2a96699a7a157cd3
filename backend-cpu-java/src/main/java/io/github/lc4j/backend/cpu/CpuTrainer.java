package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BaseTrainer;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The pure-Java primitives: the graph's forward and backward passes and the LC penalty on host arrays. */
final class CpuTrainer extends BaseTrainer {
    private final Parallel parallel;
    /** Elements per task of the update: large enough that a task outweighs its hand-over. */
    private static final int UPDATE_CHUNK = 1 << 15;

    private final Parallel.RangeBody updateRange = this::updateRange;
    /** The parameter, rate and penalty pull of the running {@link #applyUpdate}, read by its tasks. */
    private Parameter updating;

    private float updateRate;
    private float updatePull;
    /** Every parameter, running statistics included. */
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    /** The trained parameters in model order, for the loops of a step (a map's iterator is an allocation). */
    private final Parameter[] parameterList;

    private final List<ModelSpec.Step> steps;
    /** One kernel per node; null for flatten and reshape, which keep the flat layout. */
    private final Kernel[] kernels;
    /** Each tensor's values (index 0: the batch's inputs), grown with the batch, reused by every step. */
    private final float[][] activations;
    /** The gradient flowing into each tensor. */
    private final float[][] gradients;
    /** Per node, the arrays of its inputs and of their gradients for the running pass. */
    private final float[][][] nodeInputs;

    private final float[][][] nodeInputGradients;
    /** Per node and input, a buffer for the gradient of an input that other nodes read too. */
    private final float[][][] sharedInputGradients;
    /** Whether a tensor read by several nodes has its gradient buffer zeroed in this backward pass. */
    private final boolean[] gradientStarted;
    /** Whether more than one input of the graph's nodes reads a tensor. */
    private final boolean[] sharedTensor;

    CpuTrainer(Backend backend, ModelSpec model, TrainerOptions options, int threads) {
        super(backend, model, options);
        for (ParameterSpec spec : model.parameters()) {
            parameters.put(spec.name(), new Parameter(spec.name(), spec.size()));
        }
        this.parameterList = model.trainableParameters().stream()
                .map(spec -> parameters.get(spec.name()))
                .toArray(Parameter[]::new);
        this.steps = model.steps();
        this.kernels = new Kernel[steps.size()];
        this.nodeInputs = new float[steps.size()][][];
        this.nodeInputGradients = new float[steps.size()][][];
        this.sharedInputGradients = new float[steps.size()][][];
        for (ModelSpec.Step step : steps) {
            kernels[step.index()] = step.op().accept(new KernelBuilder(step));
            int inputs = step.inputs().length;
            nodeInputs[step.index()] = new float[inputs][];
            nodeInputGradients[step.index()] = new float[inputs][];
            sharedInputGradients[step.index()] = new float[inputs][];
        }
        this.parallel = new Parallel(threads);
        this.activations = new float[model.tensorCount()][];
        this.gradients = new float[model.tensorCount()][];
        this.gradientStarted = new boolean[model.tensorCount()];
        this.sharedTensor = new boolean[model.tensorCount()];
        for (int tensor = 0; tensor < model.tensorCount(); tensor++) {
            sharedTensor[tensor] = model.consumers(tensor).length > 1;
        }
    }

    /** Builds the kernel of one node. */
    private final class KernelBuilder implements Op.Visitor<Kernel> {
        private final ModelSpec.Step step;
        private final int[] inputShape;
        private final int inputSize;

        KernelBuilder(ModelSpec.Step step) {
            this.step = step;
            this.inputShape = step.inputShape(0);
            this.inputSize = step.inputSize(0);
        }

        private Parameter parameter(ParameterSpec.Role role) {
            return parameters.get(step.parameter(role));
        }

        @Override
        public Kernel dense(Op.Dense dense) {
            return new DenseOp(
                    inputSize, dense.units(), parameter(ParameterSpec.Role.WEIGHT), parameter(ParameterSpec.Role.BIAS));
        }

        @Override
        public Kernel conv2d(Op.Conv2d conv) {
            return new ConvOp(
                    inputShape,
                    step.outputShape(),
                    conv.window(),
                    conv.groups(),
                    parameter(ParameterSpec.Role.WEIGHT),
                    parameter(ParameterSpec.Role.BIAS));
        }

        @Override
        public Kernel batchNorm(Op.BatchNorm batchNorm) {
            return new BatchNormOp(
                    inputShape,
                    batchNorm.epsilon(),
                    batchNorm.momentum(),
                    parameter(ParameterSpec.Role.SCALE),
                    parameter(ParameterSpec.Role.SHIFT),
                    parameter(ParameterSpec.Role.RUNNING_MEAN),
                    parameter(ParameterSpec.Role.RUNNING_VARIANCE));
        }

        @Override
        public Kernel add(Op.Add add) {
            return new ElementwiseOp(false, inputShape, step.inputShape(1), step.outputShape());
        }

        @Override
        public Kernel mul(Op.Mul mul) {
            return new ElementwiseOp(true, inputShape, step.inputShape(1), step.outputShape());
        }

        @Override
        public Kernel concat(Op.Concat concat) {
            int[] sizes = new int[step.inputs().length];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = step.inputSize(i);
            }
            return new ConcatOp(sizes);
        }

        @Override
        public Kernel relu(Op.Relu relu) {
            return new ActivationOp(inputSize, ActivationOp.Function.RELU);
        }

        @Override
        public Kernel clip(Op.Clip clip) {
            return new ActivationOp(inputSize, clip.min(), clip.max());
        }

        @Override
        public Kernel sigmoid(Op.Sigmoid sigmoid) {
            return new ActivationOp(inputSize, ActivationOp.Function.SIGMOID);
        }

        @Override
        public Kernel tanh(Op.Tanh tanh) {
            return new ActivationOp(inputSize, ActivationOp.Function.TANH);
        }

        @Override
        public Kernel hardSwish(Op.HardSwish hardSwish) {
            return new ActivationOp(inputSize, ActivationOp.Function.HARD_SWISH);
        }

        @Override
        public Kernel maxPool(Op.MaxPool pool) {
            return new MaxPoolOp(inputShape, step.outputShape(), pool.window());
        }

        @Override
        public Kernel averagePool(Op.AveragePool pool) {
            return new AveragePoolOp(inputShape, step.outputShape(), pool.window(), pool.countIncludePad());
        }

        @Override
        public Kernel globalAveragePool(Op.GlobalAveragePool pool) {
            return AveragePoolOp.global(inputShape);
        }

        @Override
        public Kernel flatten(Op.Flatten flatten) {
            return null;
        }

        @Override
        public Kernel reshape(Op.Reshape reshape) {
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
        for (Parameter parameter : parameterList) {
            Arrays.fill(parameter.velocity, 0f);
        }
    }

    @Override
    protected Map<String, float[]> readMomentum() {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Parameter parameter : parameterList) {
            values.put(parameter.name, parameter.velocity.clone());
        }
        return values;
    }

    @Override
    protected void writeMomentum(Map<String, float[]> momentum) {
        for (Parameter parameter : parameterList) {
            float[] velocity = momentum.get(parameter.name);
            System.arraycopy(velocity, 0, parameter.velocity, 0, velocity.length);
        }
    }

    @Override
    protected void writePenalty(Map<String, float[]> targets, double mu) {
        for (Parameter parameter : parameterList) {
            parameter.target = targets.get(parameter.name);
        }
    }

    @Override
    protected double forward(Batch batch, int[] predictions) {
        float[][] activations = activations(batch, false);
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
        return lossGradients(batch);
    }

    /** The update and the penalty's proximal pull in one pass, each parameter split over the threads. */
    @Override
    protected void applyUpdate(double learningRate) {
        updateRate = (float) learningRate;
        float pull = (float) options().penaltyPull(learningRate, penaltyWeight());
        for (Parameter parameter : parameterList) {
            updating = parameter;
            updatePull = parameter.target == null ? 0f : pull;
            parallel.forChunks(parameter.value.length, UPDATE_CHUNK, updateRange);
        }
        updating = null;
    }

    private void updateRange(int from, int to) {
        options().update(updating.value, updating.gradient, updating.velocity, updateRate, from, to);
        if (updatePull != 0f) {
            TrainerOptions.pullTowardTarget(updating.value, updating.target, updatePull, from, to);
        }
    }

    /** Runs the batch forward and backward in training mode: the gradient of the mean cross-entropy alone, kept in every parameter. */
    private double lossGradients(Batch batch) {
        int size = batch.size();
        float[][] activations = activations(batch, true);
        int classes = model().classCount();
        int logitsId = activations.length - 1;
        float[] logits = activations[logitsId];
        float[] gradient = buffer(gradients, logitsId, size * classes);
        double lossSum = 0;
        float scale = 1f / size;
        for (int row = 0; row < size; row++) {
            lossSum +=
                    SoftmaxCrossEntropy.rowLoss(logits, row * classes, classes, batch.labels()[row], gradient, scale);
        }
        Arrays.fill(gradientStarted, false);
        for (int index = steps.size() - 1; index >= 0; index--) {
            ModelSpec.Step step = steps.get(index);
            if (model().needsGradient(step.output())) {
                backward(step, size);
            }
        }
        return lossSum / size;
    }

    /**
     * Runs one node backward. An input only this node reads gets its tensor's gradient buffer,
     * zeroed; an input other nodes read too gets a zeroed buffer of its own whose values are then
     * added to the tensor's gradient, so fan-out sums.
     */
    private void backward(ModelSpec.Step step, int size) {
        int index = step.index();
        float[][] inputGradients = nodeInputGradients[index];
        for (int i = 0; i < inputGradients.length; i++) {
            inputGradients[i] = null;
            if (!step.needsInputGradient(i)) {
                continue;
            }
            int tensor = step.input(i);
            int length = size * model().tensorSize(tensor);
            if (!sharedTensor[tensor]) {
                inputGradients[i] = buffer(gradients, tensor, length);
                Arrays.fill(inputGradients[i], 0, length, 0f);
            } else {
                if (!gradientStarted[tensor]) {
                    Arrays.fill(buffer(gradients, tensor, length), 0, length, 0f);
                    gradientStarted[tensor] = true;
                }
                inputGradients[i] = buffer(sharedInputGradients[index], i, length);
                Arrays.fill(inputGradients[i], 0, length, 0f);
            }
        }
        float[] outputGradient = gradients[step.output()];
        Kernel kernel = kernels[index];
        if (kernel == null) {
            if (inputGradients[0] != null) {
                System.arraycopy(outputGradient, 0, inputGradients[0], 0, size * step.outputSize());
            }
        } else {
            kernel.backward(
                    nodeInputs[index], activations[step.output()], outputGradient, inputGradients, size, parallel);
        }
        for (int i = 0; i < inputGradients.length; i++) {
            if (inputGradients[i] != null && inputGradients[i] != gradients[step.input(i)]) {
                int length = size * model().tensorSize(step.input(i));
                Gemm.axpy(1f, inputGradients[i], 0, gradients[step.input(i)], 0, length);
            }
        }
    }

    @Override
    protected Map<String, float[]> readGradients() {
        Map<String, float[]> gradients = new LinkedHashMap<>();
        for (Parameter parameter : parameterList) {
            gradients.put(parameter.name, parameter.gradient.clone());
        }
        return gradients;
    }

    /** Runs the nodes forward into the kept activation buffers; returns them, [0] being the batch's inputs. */
    private float[][] activations(Batch batch, boolean training) {
        int size = batch.size();
        activations[0] = batch.inputs();
        for (int index = 0; index < steps.size(); index++) {
            ModelSpec.Step step = steps.get(index);
            float[][] inputs = nodeInputs[index];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = activations[step.input(i)];
            }
            Kernel kernel = kernels[index];
            if (kernel == null) {
                activations[step.output()] = inputs[0];
            } else {
                float[] output = buffer(activations, step.output(), size * step.outputSize());
                kernel.forward(inputs, output, size, training, parallel);
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
