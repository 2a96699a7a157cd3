package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Batch;
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
 * One model as a TensorFlow graph: every parameter as a variable (running statistics included),
 * the forward pass built from the model's plan ({@link ForwardPass}), the mean cross-entropy and
 * the predictions. The inference pass (running statistics) serves {@link #forward}; a trainer's
 * net also holds a training pass (batch statistics, and the assign ops that move the running
 * statistics) on the same variables, unless the model has no batch normalization, where both
 * passes are one. A trainer adds its training ops before {@link #open}; an evaluator opens it as
 * it is. Every tensor is closed.
 */
final class TensorFlowNet implements AutoCloseable {
    final Graph graph;
    final Ops tf;
    final Placeholder<TFloat32> inputs;
    final Placeholder<TInt32> labels;
    /** Every parameter, running statistics included, in model order. */
    final Map<String, ParameterNodes> parameters = new LinkedHashMap<>();
    /** The trained parameters in model order: gradients, momentum and penalty cover these only. */
    final List<ParameterNodes> trainable;
    /** The mean cross-entropy of the training-mode pass. */
    final Operand<TFloat32> trainingLoss;
    /** The assign ops that move the running statistics: run with every training-mode pass. */
    final List<Op> statisticUpdates;

    private final Operand<TFloat32> inferenceLoss;
    private final Operand<TInt32> predictions;
    private Session session;

    /**
     * The graph nodes of one parameter's value: the variable (assigned and updated in place), the
     * read the forward passes use, and the load from a placeholder.
     */
    record ParameterNodes(
            String name,
            long[] shape,
            Variable<TFloat32> value,
            Operand<TFloat32> read,
            Placeholder<TFloat32> valueIn,
            Op loadValue) {}

    /**
     * Builds the graph.
     *
     * @param training whether to build the training-mode pass too (a trainer's net)
     */
    TensorFlowNet(ModelSpec model, String device, boolean training) {
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
        List<ParameterNodes> trained = new ArrayList<>();
        for (ParameterSpec spec : model.parameters()) {
            long[] shape = toLong(spec.shape());
            Variable<TFloat32> value = tf.variable(Shape.of(shape), TFloat32.class);
            Placeholder<TFloat32> valueIn = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
            // a plain (not reference) read: some C++ gradient functions cannot take a reference input
            ParameterNodes nodes = new ParameterNodes(
                    spec.name(), shape, value, tf.identity(value), valueIn, tf.assign(value, valueIn));
            parameters.put(spec.name(), nodes);
            if (spec.trainable()) {
                trained.add(nodes);
            }
        }
        trainable = List.copyOf(trained);
        ForwardPass inference = new ForwardPass(tf, model, inputs, parameters, false);
        inferenceLoss = meanCrossEntropy(inference.logits(), model.classCount());
        predictions = tf.math.argMax(inference.logits(), tf.constant(1), TInt32.class);
        boolean batchNorm =
                model.steps().stream().anyMatch(step -> step.op() instanceof io.github.lc4j.api.Op.BatchNorm);
        if (training && batchNorm) {
            ForwardPass train = new ForwardPass(tf, model, inputs, parameters, true);
            trainingLoss = meanCrossEntropy(train.logits(), model.classCount());
            statisticUpdates = List.copyOf(train.statisticUpdates());
        } else {
            trainingLoss = inferenceLoss;
            statisticUpdates = List.of();
        }
    }

    private Operand<TFloat32> meanCrossEntropy(Operand<TFloat32> logits, int classes) {
        // the dense-label op: TensorFlow's C++ gradient registry has no gradient for the sparse one
        Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(classes), tf.constant(1f), tf.constant(0f));
        return tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
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

    /**
     * Fetches {@code operands}, one per parameter of {@code owners} in the same order, and returns
     * them as host arrays by parameter name.
     */
    Map<String, float[]> fetchPerParameter(List<ParameterNodes> owners, List<? extends Operand<TFloat32>> operands) {
        Session.Runner runner = session.runner();
        operands.forEach(runner::fetch);
        Map<String, float[]> values = new LinkedHashMap<>();
        try (Result result = runner.run()) {
            int index = 0;
            for (ParameterNodes node : owners) {
                values.put(node.name, read((TFloat32) result.get(index++), node.shape));
            }
        }
        return values;
    }

    /** Returns the current value of every parameter, running statistics included, by name in model order. */
    Map<String, float[]> readAll() {
        List<ParameterNodes> all = List.copyOf(parameters.values());
        return fetchPerParameter(all, all.stream().map(ParameterNodes::value).toList());
    }

    /** Runs {@code batch} forward in inference mode; fills the predicted classes and returns the mean cross-entropy. */
    double forward(Batch batch, int[] predicted) {
        try (TFloat32 x = batchInputs(batch);
                TInt32 y = batchLabels(batch);
                Result result = session.runner()
                        .feed(inputs, x)
                        .feed(labels, y)
                        .fetch(inferenceLoss)
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
