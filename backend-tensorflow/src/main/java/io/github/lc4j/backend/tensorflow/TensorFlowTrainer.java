package io.github.lc4j.backend.tensorflow;

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
import java.util.LinkedHashMap;
import java.util.List;
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
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Trains with one TensorFlow graph per trainer: forward, loss, gradients ({@code Ops.gradients}
 * of the loss with respect to the weights only, plus the penalty's μ(w − t) in closed form) and
 * the (Nesterov) momentum update, all as graph operations. Weights, momentum, penalty targets and μ are graph variables; targets
 * and μ are assigned once per {@link #setPenalty} call and are never differentiated. Each step
 * feeds one batch; every tensor is closed.
 */
final class TensorFlowTrainer implements Trainer {
    private final ModelSpec model;
    private final Graph graph;
    private final Session session;
    private final Placeholder<TFloat32> inputs;
    private final Placeholder<TInt32> labels;
    private final Placeholder<TFloat32> learningRate;
    private final Map<String, ParameterNodes> parameters = new LinkedHashMap<>();
    private final Operand<TFloat32> dataLoss;
    private final Operand<TInt32> predictions;
    private final List<Operand<TFloat32>> gradients = new ArrayList<>();
    private final List<Op> updates = new ArrayList<>();
    private boolean loaded;
    private boolean closed;

    /** The graph nodes of one parameter. */
    private record ParameterNodes(String name, long[] shape, Variable<TFloat32> value, Variable<TFloat32> velocity,
            Variable<TFloat32> target, Variable<TFloat32> mu, Placeholder<TFloat32> valueIn, Op loadValue,
            Op resetVelocity, Placeholder<TFloat32> targetIn, Placeholder<TFloat32> muIn, Op setTarget, Op setMu) {
    }

    TensorFlowTrainer(ModelSpec model, TrainerOptions options, String device) {
        this.model = requireNonNull(model, "model is null");
        graph = new Graph();
        Ops tf = Ops.create(graph);
        if (!device.isBlank()) {
            tf = tf.withDevice(DeviceSpec.newBuilder().deviceType(device.toUpperCase(java.util.Locale.ROOT)
                    .contains("GPU") ? DeviceSpec.DeviceType.GPU : DeviceSpec.DeviceType.CPU).deviceIndex(0).build());
        }
        inputs = tf.placeholder(TFloat32.class);
        labels = tf.placeholder(TInt32.class);
        learningRate = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        for (ParameterSpec spec : model.parameters()) {
            long[] shape = toLong(spec.shape());
            Variable<TFloat32> value = tf.variable(Shape.of(shape), TFloat32.class);
            Variable<TFloat32> velocity = tf.variable(Shape.of(shape), TFloat32.class);
            Variable<TFloat32> target = tf.variable(Shape.of(shape), TFloat32.class);
            Variable<TFloat32> mu = tf.variable(Shape.scalar(), TFloat32.class);
            Placeholder<TFloat32> valueIn = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
            Placeholder<TFloat32> targetIn = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
            Placeholder<TFloat32> muIn = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            parameters.put(spec.name(), new ParameterNodes(spec.name(), shape, value, velocity, target, mu, valueIn,
                    tf.assign(value, valueIn), tf.assign(velocity, tf.zeros(tf.constant(shape), TFloat32.class)),
                    targetIn, muIn, tf.assign(target, targetIn), tf.assign(mu, muIn)));
        }

        Operand<TFloat32> activation = inputs;
        int[] shape = model.inputShape();
        List<int[]> shapes = model.activationShapes();
        for (int i = 0; i < model.layers().size(); i++) {
            activation = layer(tf, model.layers().get(i), activation, shape, shapes.get(i));
            shape = shapes.get(i);
        }
        Operand<TFloat32> logits = activation;
        // the dense-label op: TensorFlow's C++ gradient registry has no gradient for the sparse one
        Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(model.classCount()), tf.constant(1f),
                tf.constant(0f));
        dataLoss = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
        predictions = tf.math.argMax(logits, tf.constant(1), TInt32.class);

        List<Operand<?>> weights = new ArrayList<>();
        parameters.values().forEach(node -> weights.add(node.value));
        // the penalty's gradient μ(w − t) is added in closed form: cheaper than differentiating μ/2‖w − t‖²
        var gradientOps = tf.gradients(dataLoss, weights);
        List<Op> computed = new ArrayList<>();
        int position = 0;
        for (ParameterNodes node : parameters.values()) {
            var gradient = tf.identity(tf.math.add(gradientOps.<TFloat32>dy(position++),
                    tf.math.mul(node.mu, tf.math.sub(node.value, node.target))));
            gradients.add(gradient);
            computed.add(gradient);
        }
        // variables are read lazily: no update may run before every gradient (hence every read) is done
        Ops after = tf.withControlDependencies(computed);
        float momentum = (float) options.momentum();
        int index = 0;
        for (ParameterNodes node : parameters.values()) {
            Operand<TFloat32> gradient = gradients.get(index++);
            // TensorFlow's fused kernels: v ← m·v + g, then w ← w − lr·(g + m·v) (Nesterov) or
            // w ← w − lr·v, in one pass instead of five element-wise operations
            updates.add(momentum > 0
                    ? after.train.applyMomentum(node.value, node.velocity, learningRate, gradient,
                            after.constant(momentum), ApplyMomentum.useNesterov(options.nesterov()))
                    : after.train.applyGradientDescent(node.value, learningRate, gradient));
        }
        ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(options.threads())
                .setInterOpParallelismThreads(1).setAllowSoftPlacement(true).build();
        session = new Session(graph, config);
        clearPenalty();
    }

    private Operand<TFloat32> layer(Ops tf, Layer layer, Operand<TFloat32> input, int[] inputShape,
            int[] outputShape) {
        if (layer instanceof Layer.Dense dense) {
            Operand<TFloat32> flat = tf.reshape(input, tf.constant(new long[] {-1, Checks.elementCount(inputShape)}));
            return tf.nn.biasAdd(tf.linalg.matMul(flat, parameters.get(dense.name() + ".weight").value),
                    parameters.get(dense.name() + ".bias").value);
        }
        if (layer instanceof Layer.Conv2d conv) {
            long padding = conv.padding();
            Operand<TFloat32> nhwc = toNhwc(tf, input, inputShape);
            if (padding > 0) {
                nhwc = tf.pad(nhwc, tf.constant(new long[][] {{0, 0}, {padding, padding}, {padding, padding}, {0, 0}}),
                        tf.constant(0f));
            }
            Operand<TFloat32> filter = tf.linalg.transpose(parameters.get(conv.name() + ".weight").value,
                    tf.constant(new int[] {2, 3, 1, 0}));
            Operand<TFloat32> output = tf.nn.biasAdd(tf.nn.conv2d(nhwc, filter,
                    List.of(1L, (long) conv.stride(), (long) conv.stride(), 1L), "VALID"),
                    parameters.get(conv.name() + ".bias").value);
            return tf.linalg.transpose(output, tf.constant(new int[] {0, 3, 1, 2}));
        }
        if (layer instanceof Layer.MaxPool2d pool) {
            Operand<TFloat32> pooled = tf.nn.maxPool(toNhwc(tf, input, inputShape),
                    tf.constant(new int[] {1, pool.size(), pool.size(), 1}),
                    tf.constant(new int[] {1, pool.stride(), pool.stride(), 1}), "VALID");
            return tf.linalg.transpose(pooled, tf.constant(new int[] {0, 3, 1, 2}));
        }
        if (layer instanceof Layer.Tanh) {
            return tf.math.tanh(input);
        }
        if (layer instanceof Layer.Relu) {
            return tf.nn.relu(input);
        }
        return tf.reshape(input, tf.constant(new long[] {-1, Checks.elementCount(outputShape)}));
    }

    /** lc4j's flat [C, H, W] samples as NHWC, the layout of TensorFlow's CPU convolution and pooling. */
    private static Operand<TFloat32> toNhwc(Ops tf, Operand<TFloat32> input, int[] shape) {
        Operand<TFloat32> nchw = tf.reshape(input, tf.constant(new long[] {-1, shape[0], shape[1], shape[2]}));
        return tf.linalg.transpose(nchw, tf.constant(new int[] {0, 2, 3, 1}));
    }

    private static long[] toLong(int[] values) {
        long[] result = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }

    private static int[] allAxes(int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        return axes;
    }

    @Override
    public ModelSpec model() {
        return model;
    }

    @Override
    public void load(Weights weights) {
        checkOpen();
        TrainerChecks.checkLoadable(model, weights);
        List<TFloat32> tensors = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            for (ParameterNodes node : parameters.values()) {
                TFloat32 tensor = floats(node.shape, weights.get(node.name));
                tensors.add(tensor);
                runner.feed(node.valueIn, tensor).addTarget(node.loadValue).addTarget(node.resetVelocity);
            }
            runner.run().close();
        } finally {
            tensors.forEach(TFloat32::close);
        }
        loaded = true;
    }

    @Override
    public Weights snapshot() {
        checkReady();
        Session.Runner runner = session.runner();
        parameters.values().forEach(node -> runner.fetch(node.value));
        Map<String, float[]> values = new LinkedHashMap<>();
        try (Result result = runner.run()) {
            int index = 0;
            for (ParameterNodes node : parameters.values()) {
                values.put(node.name, read((TFloat32) result.get(index++), node.shape));
            }
        }
        return Weights.of(model, values);
    }

    @Override
    public void setPenalty(Map<String, float[]> targets, double penaltyWeight) {
        checkOpen();
        Map<String, float[]> checked = TrainerChecks.checkPenalty(model, targets, penaltyWeight);
        List<TFloat32> tensors = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            for (ParameterNodes node : parameters.values()) {
                float[] target = checked.get(node.name);
                TFloat32 targetTensor = floats(node.shape, target == null ? new float[(int) product(node.shape)]
                        : target);
                TFloat32 muTensor = TFloat32.scalarOf(target == null ? 0f : (float) penaltyWeight);
                tensors.add(targetTensor);
                tensors.add(muTensor);
                runner.feed(node.targetIn, targetTensor).feed(node.muIn, muTensor).addTarget(node.setTarget)
                        .addTarget(node.setMu);
            }
            runner.run().close();
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }

    private static long product(long[] shape) {
        long product = 1;
        for (long dimension : shape) {
            product *= dimension;
        }
        return product;
    }

    @Override
    public double step(Batch batch, double rate) {
        checkReady();
        TrainerChecks.checkLearningRate(rate);
        batch.checkFits(model);
        try (TFloat32 x = batchInputs(batch); TInt32 y = batchLabels(batch);
                TFloat32 lr = TFloat32.scalarOf((float) rate)) {
            Session.Runner runner = session.runner().feed(inputs, x).feed(labels, y).feed(learningRate, lr)
                    .fetch(dataLoss);
            updates.forEach(runner::addTarget);
            try (Result result = runner.run()) {
                return ((TFloat32) result.get(0)).getFloat();
            }
        }
    }

    @Override
    public Map<String, float[]> gradients(Batch batch) {
        checkReady();
        batch.checkFits(model);
        try (TFloat32 x = batchInputs(batch); TInt32 y = batchLabels(batch)) {
            Session.Runner runner = session.runner().feed(inputs, x).feed(labels, y);
            gradients.forEach(runner::fetch);
            Map<String, float[]> values = new LinkedHashMap<>();
            try (Result result = runner.run()) {
                int index = 0;
                for (ParameterNodes node : parameters.values()) {
                    values.put(node.name, read((TFloat32) result.get(index++), node.shape));
                }
            }
            return values;
        }
    }

    @Override
    public Evaluation evaluate(Batch batch) {
        checkReady();
        batch.checkFits(model);
        try (TFloat32 x = batchInputs(batch); TInt32 y = batchLabels(batch);
                Result result = session.runner().feed(inputs, x).feed(labels, y).fetch(dataLoss).fetch(predictions)
                        .run()) {
            double loss = ((TFloat32) result.get(0)).getFloat();
            TInt32 predicted = (TInt32) result.get(1);
            int errors = 0;
            for (int row = 0; row < batch.size(); row++) {
                errors += predicted.getInt(row) != batch.labels()[row] ? 1 : 0;
            }
            return new Evaluation(loss, errors, batch.size());
        }
    }

    private static TFloat32 floats(long[] shape, float[] values) {
        return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
    }

    private static TFloat32 batchInputs(Batch batch) {
        return floats(new long[] {batch.size(), batch.sampleSize()}, batch.inputs());
    }

    private static TInt32 batchLabels(Batch batch) {
        return TInt32.tensorOf(Shape.of(batch.size()), DataBuffers.of(batch.labels(), true, false));
    }

    private static float[] read(TFloat32 tensor, long[] shape) {
        float[] values = new float[(int) product(shape)];
        tensor.copyTo(DataBuffers.of(values, false, false));
        return values;
    }

    private void checkOpen() {
        TrainerChecks.checkOpen(TensorFlowBackend.NAME, closed);
    }

    private void checkReady() {
        TrainerChecks.checkReady(TensorFlowBackend.NAME, closed, loaded);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            session.close();
            graph.close();
        }
    }
}
