package io.github.lc4j.backend.nd4j;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.ParameterSpec.Role;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BaseTrainer;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Trains on ND4J: weights, gradients, momentum and penalty targets stay in ND4J arrays between
 * steps; only batches come in, and weights cross to the host at load, snapshot and setPenalty.
 *
 * <p>The model's plan runs as a graph: one {@link NdLayers.NdLayer} per step, an activation per
 * tensor, and backpropagation in reverse step order. A tensor's gradient is the sum of what its
 * readers return for it: the first contribution is kept as it is (no copy, no zeroing, so a chain
 * costs what it did when the model was a list of layers), a second one is summed with it into a
 * buffer the trainer owns. An activation works in place only on a tensor that nothing else reads
 * and whose producer's backward pass does not read its own output.
 *
 * <p>The flat arrays hold the trained parameters first and the running statistics after them:
 * the gradients and velocities cover the trained prefix only, so that the penalty, the momentum
 * and the update never touch the running statistics.
 */
final class Nd4jTrainer extends BaseTrainer {
    private final Map<String, NdParameter> parameters = new LinkedHashMap<>();
    private final List<NdParameter> trainable = new ArrayList<>();
    private final List<NdLayers.NdLayer> layers = new ArrayList<>();
    private final List<ModelSpec.Step> steps;
    /** Per step, the tensor ids it reads, whether each input needs a gradient, and its input arrays. */
    private final int[][] stepInputs;

    private final boolean[][] stepNeedsInputGradient;
    private final INDArray[][] stepInputArrays;
    /** Per step, whether its output needs a gradient (else its backward pass is skipped). */
    private final boolean[] stepNeedsGradient;

    private final INDArray[] activations;
    private final INDArray[] tensorGradients;
    /** Whether {@link #tensorGradients}[id] is the trainer's own sum buffer (else a reader's array). */
    private final boolean[] ownGradient;

    private final INDArray values;
    /** The trained prefix of {@link #values}. */
    private final INDArray trainableValues;

    private final INDArray gradients;
    private final INDArray velocities;
    private final Buffers buffers = new Buffers();
    /** On CUDA an array's host copy is allocated lazily and synchronised by ND4J: batches go in by assign. */
    private final boolean gpu;

    private final List<Penalized> penalized = new ArrayList<>();

    Nd4jTrainer(Backend backend, ModelSpec model, TrainerOptions options, boolean gpu) {
        super(backend, model, options);
        this.gpu = gpu;
        long total = model.parameterCount();
        long trainableCount = 0;
        for (ParameterSpec spec : model.trainableParameters()) {
            trainableCount += spec.size();
        }
        values = Nd4j.create(DataType.FLOAT, total);
        trainableValues = trainableCount == total
                ? values
                : values.get(NDArrayIndex.interval(0, trainableCount)).reshape('c', new long[] {trainableCount});
        gradients = Nd4j.create(DataType.FLOAT, trainableCount);
        velocities = Nd4j.create(DataType.FLOAT, trainableCount);
        Map<String, NdParameter> byName = new LinkedHashMap<>();
        long offset = 0;
        for (ParameterSpec spec : model.trainableParameters()) {
            NdParameter parameter = new NdParameter(spec.name(), spec.shape(), offset, values, gradients);
            byName.put(spec.name(), parameter);
            trainable.add(parameter);
            offset += spec.size();
        }
        for (ParameterSpec spec : model.parameters()) {
            if (!spec.trainable()) {
                byName.put(spec.name(), new NdParameter(spec.name(), spec.shape(), offset, values, null));
                offset += spec.size();
            }
        }
        for (ParameterSpec spec : model.parameters()) {
            parameters.put(spec.name(), byName.get(spec.name()));
        }
        steps = model.steps();
        int count = steps.size();
        stepInputs = new int[count][];
        stepNeedsInputGradient = new boolean[count][];
        stepInputArrays = new INDArray[count][];
        stepNeedsGradient = new boolean[count];
        for (ModelSpec.Step step : steps) {
            int index = step.index();
            stepInputs[index] = step.inputs();
            stepNeedsInputGradient[index] = step.inputGradient();
            stepInputArrays[index] = new INDArray[stepInputs[index].length];
            stepNeedsGradient[index] = model.needsGradient(step.output());
            layers.add(step.op().accept(new LayerBuilder(step)));
        }
        activations = new INDArray[model.tensorCount()];
        tensorGradients = new INDArray[model.tensorCount()];
        ownGradient = new boolean[model.tensorCount()];
    }

    /**
     * Whether {@code reader} may overwrite tensor {@code id} in place: it is the tensor's only
     * reader, and the tensor's storage (through any flatten or reshape) is read by no
     * other node and not by its producer's backward pass.
     */
    private boolean overwritable(int id, int reader) {
        int[] consumers = model().consumers(id);
        if (consumers.length != 1 || consumers[0] != reader) {
            return false;
        }
        if (id == 0) {
            return true; // the trainer's copy of the batch
        }
        ModelSpec.Step producer = steps.get(id - 1);
        Op op = producer.op();
        if (op instanceof Op.Flatten || op instanceof Op.Reshape) {
            return overwritable(producer.input(0), producer.index());
        }
        // these compute their derivative from their output
        return !(op instanceof Op.Relu || op instanceof Op.Tanh || op instanceof Op.Sigmoid || op instanceof Op.Clip);
    }

    /** Builds the ND4J layer of one step; every op is handled. */
    private final class LayerBuilder implements Op.Visitor<NdLayers.NdLayer> {
        private final ModelSpec.Step step;

        LayerBuilder(ModelSpec.Step step) {
            this.step = step;
        }

        private NdParameter parameter(Role role) {
            return parameters.get(step.parameter(role));
        }

        private boolean inPlace() {
            return overwritable(step.input(0), step.index());
        }

        @Override
        public NdLayers.NdLayer dense(Op.Dense op) {
            return new NdLayers.Dense(
                    parameter(Role.WEIGHT), op.bias() ? parameter(Role.BIAS) : null, step.inputSize(0));
        }

        @Override
        public NdLayers.NdLayer conv2d(Op.Conv2d op) {
            return new NdLayers.Conv(
                    parameter(Role.WEIGHT),
                    op.bias() ? parameter(Role.BIAS) : null,
                    step.inputShape(0),
                    step.outputShape(),
                    op.window(),
                    op.groups());
        }

        @Override
        public NdLayers.NdLayer batchNorm(Op.BatchNorm op) {
            return new NdBatchNorm(
                    parameter(Role.SCALE),
                    parameter(Role.SHIFT),
                    parameter(Role.RUNNING_MEAN),
                    parameter(Role.RUNNING_VARIANCE),
                    op.epsilon(),
                    op.momentum(),
                    step.inputShape(0));
        }

        @Override
        public NdLayers.NdLayer add(Op.Add op) {
            return new NdJoins.Add(step.inputShapes(), step.outputShape());
        }

        @Override
        public NdLayers.NdLayer mul(Op.Mul op) {
            return new NdJoins.Mul(step.inputShapes(), step.outputShape());
        }

        @Override
        public NdLayers.NdLayer concat(Op.Concat op) {
            return new NdJoins.Concat(step.inputShapes());
        }

        @Override
        public NdLayers.NdLayer relu(Op.Relu op) {
            return new NdLayers.Activation(NdLayers.Kind.RELU, inPlace());
        }

        @Override
        public NdLayers.NdLayer clip(Op.Clip op) {
            return new NdLayers.Activation(NdLayers.Kind.CLIP, inPlace(), op.min(), op.max());
        }

        @Override
        public NdLayers.NdLayer sigmoid(Op.Sigmoid op) {
            return new NdLayers.Activation(NdLayers.Kind.SIGMOID, inPlace());
        }

        @Override
        public NdLayers.NdLayer tanh(Op.Tanh op) {
            return new NdLayers.Activation(NdLayers.Kind.TANH, inPlace());
        }

        @Override
        public NdLayers.NdLayer hardSwish(Op.HardSwish op) {
            return new NdLayers.HardSwish();
        }

        @Override
        public NdLayers.NdLayer maxPool(Op.MaxPool op) {
            return new NdPooling.MaxPool(step.inputShape(0), step.outputShape(), op.window());
        }

        @Override
        public NdLayers.NdLayer averagePool(Op.AveragePool op) {
            return new NdPooling.AveragePool(step.inputShape(0), step.outputShape(), op.window(), op.countIncludePad());
        }

        @Override
        public NdLayers.NdLayer globalAveragePool(Op.GlobalAveragePool op) {
            return new NdPooling.GlobalAveragePool(step.inputShape(0));
        }

        @Override
        public NdLayers.NdLayer flatten(Op.Flatten op) {
            return new NdLayers.Flatten();
        }

        @Override
        public NdLayers.NdLayer reshape(Op.Reshape op) {
            // consumers read their input through its step's shape, so the flat form serves any shape
            return new NdLayers.Flatten();
        }
    }

    @Override
    protected void writeParameters(Weights weights) {
        for (NdParameter parameter : parameters.values()) {
            try (INDArray host = Nd4j.create(weights.get(parameter.name), parameter.value.shape(), 'c')) {
                parameter.value.assign(host);
            }
        }
    }

    @Override
    protected void resetMomentum() {
        velocities.assign(0);
    }

    @Override
    protected Map<String, float[]> readMomentum() {
        float[] flat = host(velocities);
        Map<String, float[]> momentum = new LinkedHashMap<>();
        for (NdParameter parameter : trainable) {
            momentum.put(parameter.name, java.util.Arrays.copyOfRange(flat, (int) parameter.offset, (int)
                    (parameter.offset + parameter.size)));
        }
        return momentum;
    }

    @Override
    protected void writeMomentum(Map<String, float[]> momentum) {
        float[] flat = new float[(int) velocities.length()];
        for (NdParameter parameter : trainable) {
            System.arraycopy(momentum.get(parameter.name), 0, flat, (int) parameter.offset, (int) parameter.size);
        }
        try (INDArray host = Nd4j.createFromArray(flat)) {
            velocities.assign(host);
        }
    }

    @Override
    protected Map<String, float[]> readParameters() {
        Map<String, float[]> copies = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> copies.put(name, host(parameter.value)));
        return copies;
    }

    static float[] host(INDArray array) {
        try (INDArray copy = array.dup('c')) {
            return copy.data().asFloat();
        }
    }

    /** Keeps the targets of trained parameters; running statistics get no penalty. */
    @Override
    protected void writePenalty(Map<String, float[]> targets, double mu) {
        closePenalty();
        for (NdParameter parameter : trainable) {
            float[] target = targets.get(parameter.name);
            if (target != null) {
                penalized.add(new Penalized(parameter, Nd4j.create(target, parameter.value.shape(), 'c')));
            }
        }
    }

    @Override
    protected Map<String, float[]> readGradients() {
        Map<String, float[]> copies = new LinkedHashMap<>();
        for (NdParameter parameter : trainable) {
            copies.put(parameter.name, host(parameter.gradient));
        }
        return copies;
    }

    /** Inference mode: batch normalization reads its running statistics. */
    @Override
    protected double forward(Batch batch, int[] predictions) {
        INDArray logits = logits(batch, false);
        SoftmaxResult result = softmaxCrossEntropy(logits, batch, false);
        long[] predicted = Nd4j.argMax(logits, 1).toLongVector();
        for (int row = 0; row < batch.size(); row++) {
            predictions[row] = (int) predicted[row];
        }
        return result.meanLoss;
    }

    /** Training mode: batch normalization uses the batch's statistics and updates its running ones. */
    @Override
    protected double computeGradients(Batch batch) {
        SoftmaxResult result = softmaxCrossEntropy(logits(batch, true), batch, true);
        java.util.Arrays.fill(tensorGradients, null);
        java.util.Arrays.fill(ownGradient, false);
        tensorGradients[tensorGradients.length - 1] = result.gradient;
        for (int i = steps.size() - 1; i >= 0; i--) {
            if (!stepNeedsGradient[i]) {
                continue;
            }
            int output = i + 1;
            INDArray[] inputs = inputsOf(i);
            INDArray[] inputGradients = layers.get(i)
                    .backward(inputs, activations[output], tensorGradients[output], stepNeedsInputGradient[i]);
            for (int j = 0; j < inputs.length; j++) {
                if (stepNeedsInputGradient[i][j]) {
                    accumulate(stepInputs[i][j], inputGradients[j], batch.size());
                }
            }
            tensorGradients[output] = null;
        }
        return result.meanLoss;
    }

    /** Adds {@code gradient} to tensor {@code id}'s gradient; never writes into {@code gradient}. */
    private void accumulate(int id, INDArray gradient, int batchSize) {
        INDArray current = tensorGradients[id];
        if (current == null) {
            tensorGradients[id] = gradient;
            return;
        }
        long size = gradient.length() / batchSize;
        INDArray sum = buffers.get("tensorGradient" + id, batchSize, size);
        if (!ownGradient[id]) {
            sum.assign(NdLayers.shaped(current, batchSize, size));
            ownGradient[id] = true;
            tensorGradients[id] = sum;
        }
        sum.addi(NdLayers.shaped(gradient, batchSize, size));
    }

    private INDArray[] inputsOf(int step) {
        INDArray[] inputs = stepInputArrays[step];
        for (int j = 0; j < inputs.length; j++) {
            inputs[j] = activations[stepInputs[step][j]];
        }
        return inputs;
    }

    /** Runs every step forward and returns the class scores as [batch, classes]. */
    private INDArray logits(Batch batch, boolean training) {
        activations[0] = copyIn(batch.inputs(), buffers.get("input", batch.size(), batch.sampleSize()));
        for (int i = 0; i < steps.size(); i++) {
            activations[i + 1] = layers.get(i).forward(inputsOf(i), training);
        }
        INDArray logits = activations[activations.length - 1];
        return logits.rank() == 2 ? logits : NdLayers.shaped(logits, batch.size(), model().classCount());
    }

    /**
     * Writes host floats into a dense array. On the CPU backend through its NIO view:
     * {@code Nd4j.create(float[])} and {@code DataBuffer.setData} copy element by element, about
     * 40× slower.
     */
    private INDArray copyIn(float[] source, INDArray target) {
        if (gpu) {
            try (INDArray host = Nd4j.create(source, target.shape(), 'c')) {
                target.assign(host);
            }
        } else {
            target.data().asNioFloat().put(0, source);
        }
        return target;
    }

    /** A parameter under the penalty and its target. */
    private record Penalized(NdParameter parameter, INDArray target) {}

    private record SoftmaxResult(double meanLoss, INDArray gradient) {}

    /** y ← y + alpha·x in place, through BLAS. */
    private static void axpy(double alpha, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(x.length(), alpha, x, y);
    }

    /**
     * Mean softmax cross-entropy and, on request, ∂loss/∂logits = (softmax − onehot)/B, in few
     * operations: each ND4J operation costs tens of microseconds however small its arrays.
     */
    private SoftmaxResult softmaxCrossEntropy(INDArray logits, Batch batch, boolean withGradient) {
        int size = batch.size();
        long classes = logits.size(1);
        float[] oneHotValues = new float[(int) (size * classes)];
        for (int row = 0; row < size; row++) {
            oneHotValues[(int) (row * classes + batch.labels()[row])] = 1;
        }
        INDArray oneHot = copyIn(oneHotValues, buffers.get("oneHot", size * classes));
        INDArray logProbabilities = buffers.get("logProbabilities", size, classes);
        Nd4j.exec(DynamicCustomOp.builder("log_softmax")
                .addInputs(logits)
                .addOutputs(logProbabilities)
                .build());
        INDArray flat = logProbabilities.reshape('c', new long[] {size * classes});
        double meanLoss = -Nd4j.getBlasWrapper().dot(oneHot, flat) / size;
        if (Double.isNaN(meanLoss)) {
            // libnd4j's log_softmax gives −∞ where a class trails the top score by more than ~88, and
            // 0·−∞ in the dot product is NaN; exp(−∞) = 0 keeps the gradient right
            meanLoss = meanLossOnHost(logits, batch);
        }
        if (!withGradient) {
            return new SoftmaxResult(meanLoss, null);
        }
        INDArray gradient = buffers.get("logitGradient", size * classes);
        Nd4j.exec(new Exp(flat, gradient));
        axpy(-1, oneHot, gradient);
        return new SoftmaxResult(meanLoss, gradient.muli(1.0 / size).reshape('c', new long[] {size, classes}));
    }

    /** The mean cross-entropy by log-sum-exp in double on the host: NaN only for non-finite logits. */
    private static double meanLossOnHost(INDArray logits, Batch batch) {
        float[] scores = host(logits);
        int classes = scores.length / batch.size();
        double total = 0;
        for (int row = 0; row < batch.size(); row++) {
            int start = row * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, scores[start + k]);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(scores[start + k] - max);
            }
            total += max + Math.log(sum) - scores[start + batch.labels()[row]];
        }
        return total / batch.size();
    }

    /**
     * v ← m·v + g; w ← w − lr·(g + m·v) with Nesterov, w ← w − lr·v without; over all trained
     * parameters at once (the running statistics after them are left alone). Then the penalty's
     * proximal pull w ← w − c·(w − t) on each parameter with a target.
     */
    @Override
    protected void applyUpdate(double learningRate) {
        momentumUpdate(learningRate);
        double pull = options().penaltyPull(learningRate, penaltyWeight());
        if (pull > 0) {
            for (Penalized term : penalized) {
                term.parameter.value.muli(1 - pull);
                axpy(pull, term.target, term.parameter.value);
            }
        }
    }

    private void momentumUpdate(double learningRate) {
        double momentum = options().momentum();
        if (momentum == 0) {
            axpy(-learningRate, gradients, trainableValues);
            return;
        }
        velocities.muli(momentum).addi(gradients);
        if (options().nesterov()) {
            axpy(-learningRate, gradients, trainableValues);
            axpy(-learningRate * momentum, velocities, trainableValues);
        } else {
            axpy(-learningRate, velocities, trainableValues);
        }
    }

    private void closePenalty() {
        penalized.forEach(term -> term.target.close());
        penalized.clear();
    }

    @Override
    protected void release() {
        closePenalty();
        layers.forEach(NdLayers.NdLayer::close);
        buffers.close();
        values.close();
        gradients.close();
        velocities.close();
    }
}
