package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.support.Checks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One model as a TensorFlow graph: the weights as variables, the forward pass, the mean
 * cross-entropy and the predictions, built through {@link Layer.Visitor}. A trainer adds its
 * training ops before {@link #open}; an evaluator opens it as it is. Every tensor is closed.
 */
final class TensorFlowNet implements AutoCloseable {
    final Graph graph;
    final Ops tf;
    final Placeholder<TFloat32> inputs;
    final Placeholder<TInt32> labels;
    final Map<String, ParameterNodes> parameters = new LinkedHashMap<>();
    final Operand<TFloat32> dataLoss;
    private final Operand<TInt32> predictions;
    private Session session;

    /** The graph nodes of one parameter's value. */
    record ParameterNodes(
            String name, long[] shape, Variable<TFloat32> value, Placeholder<TFloat32> valueIn, Op loadValue) {}

    TensorFlowNet(ModelSpec model, String device) {
        graph = new Graph();
        Ops ops = Ops.create(graph);
        if (!device.isBlank()) {
            ops = ops.withDevice(DeviceSpec.newBuilder()
                    .deviceType(
                            device.toUpperCase(Locale.ROOT).contains("GPU")
                                    ? DeviceSpec.DeviceType.GPU
                                    : DeviceSpec.DeviceType.CPU)
                    .deviceIndex(0)
                    .build());
        }
        tf = ops;
        inputs = tf.placeholder(TFloat32.class);
        labels = tf.placeholder(TInt32.class);
        for (ParameterSpec spec : model.parameters()) {
            long[] shape = toLong(spec.shape());
            Variable<TFloat32> value = tf.variable(Shape.of(shape), TFloat32.class);
            Placeholder<TFloat32> valueIn = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
            parameters.put(
                    spec.name(), new ParameterNodes(spec.name(), shape, value, valueIn, tf.assign(value, valueIn)));
        }
        Operand<TFloat32> activation = inputs;
        int[] shape = model.inputShape();
        List<int[]> shapes = model.activationShapes();
        for (int i = 0; i < model.layers().size(); i++) {
            activation = model.layers().get(i).accept(new LayerBuilder(activation, shape, shapes.get(i)));
            shape = shapes.get(i);
        }
        Operand<TFloat32> logits = activation;
        // the dense-label op: TensorFlow's C++ gradient registry has no gradient for the sparse one
        Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(model.classCount()), tf.constant(1f), tf.constant(0f));
        dataLoss =
                tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
        predictions = tf.math.argMax(logits, tf.constant(1), TInt32.class);
    }

    /** Builds the graph of one layer on its input. */
    private final class LayerBuilder implements Layer.Visitor<Operand<TFloat32>> {
        private final Operand<TFloat32> input;
        private final int[] inputShape;
        private final int[] outputShape;

        LayerBuilder(Operand<TFloat32> input, int[] inputShape, int[] outputShape) {
            this.input = input;
            this.inputShape = inputShape;
            this.outputShape = outputShape;
        }

        @Override
        public Operand<TFloat32> dense(Layer.Dense dense) {
            Operand<TFloat32> flat = tf.reshape(input, tf.constant(new long[] {-1, Checks.elementCount(inputShape)}));
            return tf.nn.biasAdd(
                    tf.linalg.matMul(flat, parameters.get(dense.name() + ".weight").value),
                    parameters.get(dense.name() + ".bias").value);
        }

        @Override
        public Operand<TFloat32> conv2d(Layer.Conv2d conv) {
            long padding = conv.padding();
            Operand<TFloat32> nhwc = toNhwc(input, inputShape);
            if (padding > 0) {
                nhwc = tf.pad(
                        nhwc,
                        tf.constant(new long[][] {{0, 0}, {padding, padding}, {padding, padding}, {0, 0}}),
                        tf.constant(0f));
            }
            Operand<TFloat32> filter = tf.linalg.transpose(
                    parameters.get(conv.name() + ".weight").value, tf.constant(new int[] {2, 3, 1, 0}));
            Operand<TFloat32> output = tf.nn.biasAdd(
                    tf.nn.conv2d(nhwc, filter, List.of(1L, (long) conv.stride(), (long) conv.stride(), 1L), "VALID"),
                    parameters.get(conv.name() + ".bias").value);
            return tf.linalg.transpose(output, tf.constant(new int[] {0, 3, 1, 2}));
        }

        @Override
        public Operand<TFloat32> maxPool2d(Layer.MaxPool2d pool) {
            Operand<TFloat32> pooled = tf.nn.maxPool(
                    toNhwc(input, inputShape),
                    tf.constant(new int[] {1, pool.size(), pool.size(), 1}),
                    tf.constant(new int[] {1, pool.stride(), pool.stride(), 1}),
                    "VALID");
            return tf.linalg.transpose(pooled, tf.constant(new int[] {0, 3, 1, 2}));
        }

        @Override
        public Operand<TFloat32> relu(Layer.Relu relu) {
            return tf.nn.relu(input);
        }

        @Override
        public Operand<TFloat32> tanh(Layer.Tanh tanh) {
            return tf.math.tanh(input);
        }

        @Override
        public Operand<TFloat32> flatten(Layer.Flatten flatten) {
            return tf.reshape(input, tf.constant(new long[] {-1, Checks.elementCount(outputShape)}));
        }
    }

    /** lc4j's flat [C, H, W] samples as NHWC, the layout of TensorFlow's CPU convolution and pooling. */
    private Operand<TFloat32> toNhwc(Operand<TFloat32> input, int[] shape) {
        Operand<TFloat32> nchw = tf.reshape(input, tf.constant(new long[] {-1, shape[0], shape[1], shape[2]}));
        return tf.linalg.transpose(nchw, tf.constant(new int[] {0, 2, 3, 1}));
    }

    /** Starts the session once the graph is complete. */
    void open(int threads) {
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(threads)
                .setInterOpParallelismThreads(1)
                .setAllowSoftPlacement(true)
                .build();
        session = new Session(graph, config);
    }

    Session session() {
        return session;
    }

    /** Assigns every parameter from {@code weights}, running {@code alsoRun} in the same call. */
    void write(Weights weights, List<Op> alsoRun) {
        List<TFloat32> tensors = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            for (ParameterNodes node : parameters.values()) {
                TFloat32 tensor = floats(node.shape, weights.get(node.name));
                tensors.add(tensor);
                runner.feed(node.valueIn, tensor).addTarget(node.loadValue);
            }
            alsoRun.forEach(runner::addTarget);
            runner.run().close();
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }

    /** Fetches one operand per parameter, in model order, and returns them as host arrays by parameter name. */
    Map<String, float[]> fetchPerParameter(List<? extends Operand<TFloat32>> operands) {
        Session.Runner runner = session.runner();
        operands.forEach(runner::fetch);
        Map<String, float[]> values = new LinkedHashMap<>();
        try (Result result = runner.run()) {
            int index = 0;
            for (ParameterNodes node : parameters.values()) {
                values.put(node.name, read((TFloat32) result.get(index++), node.shape));
            }
        }
        return values;
    }

    List<Variable<TFloat32>> values() {
        return parameters.values().stream().map(ParameterNodes::value).toList();
    }

    /** Runs {@code batch} forward; fills the predicted classes and returns the mean cross-entropy. */
    double forward(Batch batch, int[] predicted) {
        try (TFloat32 x = batchInputs(batch);
                TInt32 y = batchLabels(batch);
                Result result = session.runner()
                        .feed(inputs, x)
                        .feed(labels, y)
                        .fetch(dataLoss)
                        .fetch(predictions)
                        .run()) {
            TInt32 classes = (TInt32) result.get(1);
            for (int row = 0; row < batch.size(); row++) {
                predicted[row] = classes.getInt(row);
            }
            return ((TFloat32) result.get(0)).getFloat();
        }
    }

    static TFloat32 floats(long[] shape, float[] values) {
        return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
    }

    static TFloat32 batchInputs(Batch batch) {
        return floats(new long[] {batch.size(), batch.sampleSize()}, batch.inputs());
    }

    static TInt32 batchLabels(Batch batch) {
        return TInt32.tensorOf(Shape.of(batch.size()), DataBuffers.of(batch.labels(), true, false));
    }

    static long product(long[] shape) {
        long product = 1;
        for (long dimension : shape) {
            product *= dimension;
        }
        return product;
    }

    private static float[] read(TFloat32 tensor, long[] shape) {
        float[] values = new float[(int) product(shape)];
        tensor.copyTo(DataBuffers.of(values, false, false));
        return values;
    }

    private static long[] toLong(int[] values) {
        long[] result = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
        graph.close();
    }
}
