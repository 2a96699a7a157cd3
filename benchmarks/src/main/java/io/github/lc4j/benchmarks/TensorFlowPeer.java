package io.github.lc4j.benchmarks;

import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.core.WeightInitializer;
import java.util.ArrayList;
import java.util.List;
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
 * A plain TensorFlow Java training loop, written against TensorFlow directly (no lc4j trainer):
 * the same network, loss and Nesterov update, batches fed as tensors.
 */
final class TensorFlowPeer {
    private TensorFlowPeer() {}

    static double stepsPerSecond(ModelSpec model, List<Batch> batches, int threads) {
        StepTimer.Budget budget = StepTimer.Budget.forModel(model.name());
        return withLoop(model, batches, threads, loop -> StepTimer.stepsPerSecond(budget, loop::step));
    }

    /**
     * Builds the graph and session, hands {@code use} a step over {@code batches} in turn, and closes
     * both. A chain (LeNet300, LeNet5) gets the loop the page has always measured; a graph (ResNet-20)
     * gets {@link TensorFlowGraphPeer}, NHWC throughout.
     */
    static <T> T withLoop(
            ModelSpec model, List<Batch> batches, int threads, java.util.function.Function<PairedSteps.Loop, T> use) {
        return model.isChain()
                ? withChainLoop(model, batches, threads, use)
                : TensorFlowGraphPeer.withLoop(model, batches, threads, use);
    }

    /** The chain loop, unchanged since before graphs: NCHW between layers, transposed around each convolution and pooling. */
    private static <T> T withChainLoop(
            ModelSpec model, List<Batch> batches, int threads, java.util.function.Function<PairedSteps.Loop, T> use) {
        Weights initial = WeightInitializer.initialize(model, 1);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x = tf.placeholder(TFloat32.class);
            Placeholder<TInt32> y = tf.placeholder(TInt32.class);
            List<Variable<TFloat32>> variables = new ArrayList<>();
            List<Variable<TFloat32>> velocities = new ArrayList<>();
            List<Op> initializers = new ArrayList<>();
            for (ParameterSpec parameter : model.parameters()) {
                long[] shape = java.util.Arrays.stream(parameter.shape())
                        .asLongStream()
                        .toArray();
                Variable<TFloat32> variable = tf.variable(Shape.of(shape), TFloat32.class);
                Variable<TFloat32> velocity = tf.variable(Shape.of(shape), TFloat32.class);
                initializers.add(tf.assign(
                        variable,
                        tf.constant(Shape.of(shape), DataBuffers.of(initial.get(parameter.name()), true, false))));
                initializers.add(tf.assign(velocity, tf.zeros(tf.constant(shape), TFloat32.class)));
                variables.add(variable);
                velocities.add(velocity);
            }
            Operand<TFloat32> h = x;
            int next = 0;
            int[] shape = model.inputShape();
            List<int[]> shapes = model.activationShapes();
            for (int i = 0; i < model.layers().size(); i++) {
                Layer layer = model.layers().get(i);
                if (layer instanceof Layer.Dense) {
                    h = tf.reshape(h, tf.constant(new long[] {-1, product(shape)}));
                    h = tf.nn.biasAdd(tf.linalg.matMul(h, variables.get(next)), variables.get(next + 1));
                    next += 2;
                } else if (layer instanceof Layer.Conv2d conv) {
                    Operand<TFloat32> nhwc = tf.linalg.transpose(
                            tf.reshape(h, tf.constant(new long[] {-1, shape[0], shape[1], shape[2]})),
                            tf.constant(new int[] {0, 2, 3, 1}));
                    Operand<TFloat32> filter =
                            tf.linalg.transpose(variables.get(next), tf.constant(new int[] {2, 3, 1, 0}));
                    h = tf.linalg.transpose(
                            tf.nn.biasAdd(
                                    tf.nn.conv2d(
                                            nhwc,
                                            filter,
                                            List.of(1L, (long) conv.stride(), (long) conv.stride(), 1L),
                                            "VALID"),
                                    variables.get(next + 1)),
                            tf.constant(new int[] {0, 3, 1, 2}));
                    next += 2;
                } else if (layer instanceof Layer.MaxPool2d pool) {
                    Operand<TFloat32> nhwc = tf.linalg.transpose(
                            tf.reshape(h, tf.constant(new long[] {-1, shape[0], shape[1], shape[2]})),
                            tf.constant(new int[] {0, 2, 3, 1}));
                    h = tf.linalg.transpose(
                            tf.nn.maxPool(
                                    nhwc,
                                    tf.constant(new int[] {1, pool.size(), pool.size(), 1}),
                                    tf.constant(new int[] {1, pool.stride(), pool.stride(), 1}),
                                    "VALID"),
                            tf.constant(new int[] {0, 3, 1, 2}));
                } else if (layer instanceof Layer.Tanh) {
                    h = tf.math.tanh(h);
                } else if (layer instanceof Layer.Relu) {
                    h = tf.nn.relu(h);
                }
                shape = shapes.get(i);
            }
            return train(
                    graph,
                    tf,
                    x,
                    y,
                    h,
                    model.classCount(),
                    variables,
                    velocities,
                    initializers,
                    List.of(),
                    threads,
                    batches,
                    loop -> use.apply(loop::step));
        }
    }

    /**
     * The plain loop's training tail, shared by chains and graphs: the mean softmax cross-entropy
     * of {@code logits}, its gradients with respect to {@code variables}, TensorFlow's fused Nesterov
     * momentum after them (and after {@code firstUpdates}, e.g. running statistics), a session;
     * hands {@code use} a step over {@code batches} in turn and closes the session.
     */
    static <T> T train(
            Graph graph,
            Ops tf,
            Placeholder<TFloat32> x,
            Placeholder<TInt32> y,
            Operand<TFloat32> logits,
            int classes,
            List<Variable<TFloat32>> variables,
            List<Variable<TFloat32>> velocities,
            List<Op> initializers,
            List<Op> firstUpdates,
            int threads,
            List<Batch> batches,
            java.util.function.Function<TensorFlowGraphPeer.LossLoop, T> use) {
        Operand<TFloat32> oneHot = tf.oneHot(y, tf.constant(classes), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> loss =
                tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
        var gradients = tf.gradients(loss, variables);
        List<Op> computed = new ArrayList<>();
        List<Operand<TFloat32>> values = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
            var gradient = tf.identity(gradients.<TFloat32>dy(i));
            computed.add(gradient);
            values.add(gradient);
        }
        Ops after = tf.withControlDependencies(computed);
        List<Op> updates = new ArrayList<>(firstUpdates);
        for (int i = 0; i < variables.size(); i++) {
            // TensorFlow's fused Nesterov momentum kernel, as a TF user would write it
            updates.add(after.train.applyMomentum(
                    variables.get(i),
                    velocities.get(i),
                    after.constant(0.01f),
                    values.get(i),
                    after.constant(0.9f),
                    ApplyMomentum.useNesterov(true)));
        }
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(threads)
                .setInterOpParallelismThreads(1)
                .build();
        try (Session session = new Session(graph, config)) {
            Session.Runner init = session.runner();
            initializers.forEach(init::addTarget);
            init.run().close();
            return use.apply(i -> step(session, x, y, loss, updates, batches.get(i % batches.size())));
        }
    }

    /** Feeds {@code batch}, runs the loss and every update, returns the loss. */
    private static float step(
            Session session,
            Placeholder<TFloat32> x,
            Placeholder<TInt32> y,
            Operand<TFloat32> loss,
            List<Op> updates,
            Batch batch) {
        try (TFloat32 inputs = TFloat32.tensorOf(
                        Shape.of(batch.size(), batch.sampleSize()), DataBuffers.of(batch.inputs(), true, false));
                TInt32 labels = TInt32.tensorOf(Shape.of(batch.size()), DataBuffers.of(batch.labels(), true, false))) {
            Session.Runner runner =
                    session.runner().feed(x, inputs).feed(y, labels).fetch(loss);
            updates.forEach(runner::addTarget);
            try (Result result = runner.run()) {
                return ((TFloat32) result.get(0)).getFloat();
            }
        }
    }

    private static long product(int[] shape) {
        long product = 1;
        for (int dimension : shape) {
            product *= dimension;
        }
        return product;
    }
}
