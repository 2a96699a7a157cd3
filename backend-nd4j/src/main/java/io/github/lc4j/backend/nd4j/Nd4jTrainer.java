package io.github.lc4j.backend.nd4j;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains on ND4J: weights, gradients, momentum and penalty targets stay in ND4J arrays between
 * steps; only batches come in, and weights cross to the host at load, snapshot and setPenalty.
 */
final class Nd4jTrainer extends BaseTrainer {
    private final Map<String, NdParameter> parameters = new LinkedHashMap<>();
    private final List<NdLayers.NdLayer> layers = new ArrayList<>();
    private final boolean[] needsInputGradient;
    private final INDArray values;
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
        values = Nd4j.create(DataType.FLOAT, total);
        gradients = Nd4j.create(DataType.FLOAT, total);
        velocities = Nd4j.create(DataType.FLOAT, total);
        long offset = 0;
        for (ParameterSpec spec : model.parameters()) {
            parameters.put(spec.name(), new NdParameter(spec.name(), spec.shape(), offset, values, gradients));
            offset += spec.size();
        }
        List<int[]> shapes = model.activationShapes();
        int[] inputShape = model.inputShape();
        needsInputGradient = model.inputGradientNeeded();
        for (int i = 0; i < model.layers().size(); i++) {
            layers.add(model.layers().get(i).accept(new LayerBuilder(inputShape, shapes.get(i))));
            inputShape = shapes.get(i);
        }
    }

    /** Builds the ND4J layer of one layer. */
    private final class LayerBuilder implements Layer.Visitor<NdLayers.NdLayer> {
        private final int[] inputShape;
        private final int[] outputShape;

        LayerBuilder(int[] inputShape, int[] outputShape) {
            this.inputShape = inputShape;
            this.outputShape = outputShape;
        }

        @Override
        public NdLayers.NdLayer dense(Layer.Dense dense) {
            return new NdLayers.Dense(
                    parameters.get(dense.name() + ".weight"),
                    parameters.get(dense.name() + ".bias"),
                    Checks.elementCount(inputShape));
        }

        @Override
        public NdLayers.NdLayer conv2d(Layer.Conv2d conv) {
            return new NdLayers.Conv(
                    parameters.get(conv.name() + ".weight"),
                    parameters.get(conv.name() + ".bias"),
                    inputShape,
                    outputShape,
                    conv.kernelSize(),
                    conv.stride(),
                    conv.padding());
        }

        @Override
        public NdLayers.NdLayer maxPool2d(Layer.MaxPool2d pool) {
            return new NdLayers.MaxPool(inputShape, outputShape, pool.size(), pool.stride());
        }

        @Override
        public NdLayers.NdLayer relu(Layer.Relu relu) {
            return new NdLayers.Activation(false);
        }

        @Override
        public NdLayers.NdLayer tanh(Layer.Tanh tanh) {
            return new NdLayers.Activation(true);
        }

        @Override
        public NdLayers.NdLayer flatten(Layer.Flatten flatten) {
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
        Map<String, float[]> values = new LinkedHashMap<>();
        int offset = 0;
        for (ParameterSpec spec : model().parameters()) {
            values.put(spec.name(), java.util.Arrays.copyOfRange(flat, offset, offset + spec.size()));
            offset += spec.size();
        }
        return values;
    }

    @Override
    protected void writeMomentum(Map<String, float[]> momentum) {
        float[] flat = new float[(int) velocities.length()];
        int offset = 0;
        for (ParameterSpec spec : model().parameters()) {
            System.arraycopy(momentum.get(spec.name()), 0, flat, offset, spec.size());
            offset += spec.size();
        }
        try (INDArray host = Nd4j.createFromArray(flat)) {
            velocities.assign(host);
        }
    }

    @Override
    protected Map<String, float[]> readParameters() {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, host(parameter.value)));
        return values;
    }

    static float[] host(INDArray array) {
        try (INDArray copy = array.dup('c')) {
            return copy.data().asFloat();
        }
    }

    @Override
    protected void writePenalty(Map<String, float[]> targets, double mu) {
        closePenalty();
        for (NdParameter parameter : parameters.values()) {
            float[] target = targets.get(parameter.name);
            if (target != null) {
                penalized.add(new Penalized(parameter, Nd4j.create(target, parameter.value.shape(), 'c')));
            }
        }
    }

    @Override
    protected Map<String, float[]> readGradients() {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, host(parameter.gradient)));
        return values;
    }

    @Override
    protected double forward(Batch batch, int[] predictions) {
        List<INDArray> activations = activations(batch);
        INDArray logits = activations.get(activations.size() - 1);
        SoftmaxResult result = softmaxCrossEntropy(logits, batch, false);
        long[] predicted = Nd4j.argMax(logits, 1).toLongVector();
        for (int row = 0; row < batch.size(); row++) {
            predictions[row] = (int) predicted[row];
        }
        return result.meanLoss;
    }

    @Override
    protected double computeGradients(Batch batch) {
        List<INDArray> activations = activations(batch);
        SoftmaxResult result = softmaxCrossEntropy(activations.get(activations.size() - 1), batch, true);
        INDArray gradient = result.gradient;
        for (int i = layers.size() - 1; i >= 0 && gradient != null; i--) {
            gradient =
                    layers.get(i).backward(activations.get(i), activations.get(i + 1), gradient, needsInputGradient[i]);
        }
        double mu = penaltyWeight();
        if (mu > 0) {
            for (Penalized term : penalized) {
                axpy(mu, term.parameter.value, term.parameter.gradient);
                axpy(-mu, term.target, term.parameter.gradient);
            }
        }
        return result.meanLoss;
    }

    private List<INDArray> activations(Batch batch) {
        List<INDArray> activations = new ArrayList<>(layers.size() + 1);
        INDArray input = copyIn(batch.inputs(), buffers.get("input", batch.size(), batch.sampleSize()));
        activations.add(input);
        for (NdLayers.NdLayer layer : layers) {
            input = layer.forward(input);
            activations.add(input);
        }
        return activations;
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
        if (!withGradient) {
            return new SoftmaxResult(meanLoss, null);
        }
        INDArray gradient = buffers.get("logitGradient", size * classes);
        Nd4j.exec(new Exp(flat, gradient));
        axpy(-1, oneHot, gradient);
        return new SoftmaxResult(meanLoss, gradient.muli(1.0 / size).reshape('c', new long[] {size, classes}));
    }

    /** v ← m·v + g; w ← w − lr·(g + m·v) with Nesterov, w ← w − lr·v without; over all parameters at once. */
    @Override
    protected void applyUpdate(double learningRate) {
        double momentum = options().momentum();
        if (momentum == 0) {
            axpy(-learningRate, gradients, values);
            return;
        }
        velocities.muli(momentum).addi(gradients);
        if (options().nesterov()) {
            axpy(-learningRate, gradients, values);
            axpy(-learningRate * momentum, velocities, values);
        } else {
            axpy(-learningRate, velocities, values);
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
