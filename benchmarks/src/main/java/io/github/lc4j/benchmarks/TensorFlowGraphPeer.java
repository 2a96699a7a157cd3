package io.github.lc4j.benchmarks;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.Window;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.core.WeightInitializer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The plain TensorFlow Java loop of a graph model (ResNet-20), written against TensorFlow directly
 * as a TensorFlow user would write it, not through lc4j's TensorFlow backend: NHWC activations
 * (TensorFlow's native CPU layout) from the input on, HWIO filters stored as TensorFlow keeps them,
 * Conv2D with SAME or VALID padding (an explicit {@code Pad} where the window's padding is neither,
 * e.g. a stride-2 3×3 with one row on each side, which SAME would pad 0 above and 1 below), batch
 * normalization in training mode as {@code tf.nn.moments} and {@code tf.nn.batch_normalization}
 * compute it, with assign ops that move the running statistics each step, ReLU, Add, the mean over
 * H and W, MatMul. Same softmax cross-entropy and fused Nesterov momentum update as the chain loop
 * of {@link TensorFlowPeer}; gradients of the trainable variables only.
 *
 * <p>It writes the ops ResNet-20 and the LeNets need (dense, ungrouped undilated convolution, batch
 * normalization, add, ReLU, tanh, unpadded max pooling, global average pooling, flatten) and
 * refuses the others by name.
 */
final class TensorFlowGraphPeer implements Op.Visitor<Operand<TFloat32>> {
    private final Ops tf;
    private final ModelSpec model;
    private final int batchSize;
    /** Every parameter's variable: conv filters as HWIO, the rest in lc4j's layout. */
    private final Map<String, Variable<TFloat32>> variables;
    /** Per tensor id: {@code [N, H, W, C]} for a {@code [C, H, W]} tensor, {@code [N, F]} for a vector. */
    private final Operand<TFloat32>[] values;

    private final List<org.tensorflow.op.Op> statisticUpdates = new ArrayList<>();
    private ModelSpec.Step step;

    @SuppressWarnings("unchecked")
    private TensorFlowGraphPeer(
            Ops tf, ModelSpec model, int batchSize, Map<String, Variable<TFloat32>> variables, Operand<TFloat32> x) {
        this.tf = tf;
        this.model = model;
        this.batchSize = batchSize;
        this.variables = variables;
        values = new Operand[model.tensorCount()];
        int[] shape = model.inputShape();
        if (shape.length == 3) {
            // one channel: [N, H, W, 1] is the same bytes as NCHW; more: transpose once, as the input arrives
            values[0] = shape[0] == 1
                    ? tf.reshape(x, tf.constant(new long[] {-1, shape[1], shape[2], 1}))
                    : tf.linalg.transpose(
                            tf.reshape(x, tf.constant(new long[] {-1, shape[0], shape[1], shape[2]})),
                            tf.constant(new int[] {0, 2, 3, 1}));
        } else {
            values[0] = tf.reshape(x, tf.constant(new long[] {-1, model.inputSize()}));
        }
        for (ModelSpec.Step current : model.steps()) {
            step = current;
            values[current.output()] = current.op().accept(this);
        }
    }

    /** A step that returns the batch's mean cross-entropy before the update, as an lc4j trainer's step does. */
    interface LossLoop {
        float step(int index);
    }

    /** Builds the graph and session of {@code model}, hands {@code use} a step over {@code batches} in turn, closes both. */
    static <T> T withLoop(ModelSpec model, List<Batch> batches, int threads, Function<PairedSteps.Loop, T> use) {
        return withLossLoop(model, batches, threads, loop -> use.apply(loop::step));
    }

    /** {@link #withLoop} with steps that return the loss. */
    static <T> T withLossLoop(ModelSpec model, List<Batch> batches, int threads, Function<LossLoop, T> use) {
        Weights initial = WeightInitializer.initialize(model, 1);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x = tf.placeholder(TFloat32.class);
            Placeholder<TInt32> y = tf.placeholder(TInt32.class);
            Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
            List<Variable<TFloat32>> trainable = new ArrayList<>();
            List<Variable<TFloat32>> velocities = new ArrayList<>();
            List<org.tensorflow.op.Op> initializers = new ArrayList<>();
            for (ParameterSpec parameter : model.parameters()) {
                int[] shape = parameter.shape();
                float[] values = initial.get(parameter.name());
                if (isConvWeight(parameter)) {
                    values = hwio(values, shape);
                    shape = new int[] {shape[2], shape[3], shape[1], shape[0]};
                }
                long[] dimensions = Arrays.stream(shape).asLongStream().toArray();
                Variable<TFloat32> variable = tf.variable(Shape.of(dimensions), TFloat32.class);
                initializers.add(
                        tf.assign(variable, tf.constant(Shape.of(dimensions), DataBuffers.of(values, true, false))));
                variables.put(parameter.name(), variable);
                if (parameter.trainable()) {
                    Variable<TFloat32> velocity = tf.variable(Shape.of(dimensions), TFloat32.class);
                    initializers.add(tf.assign(velocity, tf.zeros(tf.constant(dimensions), TFloat32.class)));
                    trainable.add(variable);
                    velocities.add(velocity);
                }
            }
            TensorFlowGraphPeer net =
                    new TensorFlowGraphPeer(tf, model, batches.get(0).size(), variables, x);
            Operand<TFloat32> logits = net.values[model.tensorCount() - 1];
            return TensorFlowPeer.train(
                    graph,
                    tf,
                    x,
                    y,
                    logits,
                    model.classCount(),
                    trainable,
                    velocities,
                    initializers,
                    net.statisticUpdates,
                    threads,
                    batches,
                    use);
        }
    }

    private static boolean isConvWeight(ParameterSpec parameter) {
        return parameter.role() == ParameterSpec.Role.WEIGHT && parameter.shape().length == 4;
    }

    /** lc4j's {@code [filters, channels, kh, kw]} as TensorFlow's {@code [kh, kw, channels, filters]}. */
    private static float[] hwio(float[] weight, int[] shape) {
        int filters = shape[0];
        int channels = shape[1];
        int kh = shape[2];
        int kw = shape[3];
        float[] out = new float[weight.length];
        for (int f = 0; f < filters; f++) {
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        out[((i * kw + j) * channels + c) * filters + f] =
                                weight[((f * channels + c) * kh + i) * kw + j];
                    }
                }
            }
        }
        return out;
    }

    private Operand<TFloat32> input(int i) {
        return values[step.input(i)];
    }

    private Variable<TFloat32> parameter(ParameterSpec.Role role) {
        return variables.get(step.parameter(role));
    }

    private UnsupportedOperationException refuse(String what) {
        return new UnsupportedOperationException("the plain TensorFlow peer does not write " + what + " (node "
                + step.name() + " of " + model.name() + "); it writes the ops ResNet-20 and the LeNets need: dense,"
                + " ungrouped undilated conv2d, batch norm, add, relu, tanh, unpadded max pool, global average pool,"
                + " flatten");
    }

    /** TensorFlow's padding name when it pads exactly as {@code window} does over {@code height × width}, else null. */
    private static String paddingName(Window window, int height, int width) {
        if (window.unpadded()) {
            return "VALID";
        }
        int[] rows = samePads(height, window.kernelHeight(), window.strideHeight());
        int[] columns = samePads(width, window.kernelWidth(), window.strideWidth());
        return rows[0] == window.padTop()
                        && rows[1] == window.padBottom()
                        && columns[0] == window.padLeft()
                        && columns[1] == window.padRight()
                ? "SAME"
                : null;
    }

    /** TensorFlow's SAME padding (before, after) of one axis. */
    private static int[] samePads(int size, int kernel, int stride) {
        int output = (size + stride - 1) / stride;
        int total = Math.max((output - 1) * stride + kernel - size, 0);
        return new int[] {total / 2, total - total / 2};
    }

    @Override
    public Operand<TFloat32> dense(Op.Dense op) {
        Operand<TFloat32> output = tf.linalg.matMul(input(0), parameter(ParameterSpec.Role.WEIGHT));
        return op.bias() ? tf.nn.biasAdd(output, parameter(ParameterSpec.Role.BIAS)) : output;
    }

    @Override
    public Operand<TFloat32> conv2d(Op.Conv2d op) {
        Window window = op.window();
        if (op.groups() != 1) {
            throw refuse("a grouped convolution");
        }
        if (window.dilationHeight() != 1 || window.dilationWidth() != 1) {
            throw refuse("a dilated convolution");
        }
        int[] shape = step.inputShape(0);
        Operand<TFloat32> x = input(0);
        String padding = paddingName(window, shape[1], shape[2]);
        if (padding == null) {
            // int32 paddings: the C++ gradient of Pad slices with the paddings' type
            x = tf.pad(
                    x,
                    tf.constant(new int[][] {
                        {0, 0}, {window.padTop(), window.padBottom()}, {window.padLeft(), window.padRight()}, {0, 0}
                    }),
                    tf.constant(0f));
            padding = "VALID";
        }
        Operand<TFloat32> output = tf.nn.conv2d(
                x,
                parameter(ParameterSpec.Role.WEIGHT),
                List.of(1L, (long) window.strideHeight(), (long) window.strideWidth(), 1L),
                padding);
        return op.bias() ? tf.nn.biasAdd(output, parameter(ParameterSpec.Role.BIAS)) : output;
    }

    @Override
    public Operand<TFloat32> batchNorm(Op.BatchNorm op) {
        int[] shape = step.inputShape(0);
        Operand<TFloat32> x = input(0);
        Operand<TInt32> axes = tf.constant(shape.length == 3 ? new int[] {0, 1, 2} : new int[] {0});
        // tf.nn.moments: the mean, then the mean squared difference from the mean held constant
        Operand<TFloat32> mean = tf.math.mean(x, axes);
        Operand<TFloat32> variance = tf.math.mean(tf.math.squaredDifference(x, tf.stopGradient(mean)), axes);
        // tf.nn.batch_normalization: x·inv + (shift − mean·inv), inv = scale/√(variance + ε)
        Operand<TFloat32> inverse = tf.math.mul(
                tf.math.rsqrt(tf.math.add(variance, tf.constant((float) op.epsilon()))),
                parameter(ParameterSpec.Role.SCALE));
        Operand<TFloat32> output = tf.math.add(
                tf.math.mul(x, inverse), tf.math.sub(parameter(ParameterSpec.Role.SHIFT), tf.math.mul(mean, inverse)));
        // running ← momentum·running + (1 − momentum)·batch, the variance unbiased by n/(n − 1)
        long perChannel = (long) batchSize * (shape.length == 3 ? (long) shape[1] * shape[2] : 1);
        float unbiasing = perChannel > 1 ? (float) perChannel / (perChannel - 1) : 1f;
        Operand<TFloat32> keep = tf.constant((float) op.momentum());
        Variable<TFloat32> runningMean = parameter(ParameterSpec.Role.RUNNING_MEAN);
        Variable<TFloat32> runningVariance = parameter(ParameterSpec.Role.RUNNING_VARIANCE);
        statisticUpdates.add(tf.assign(
                runningMean,
                tf.math.add(
                        tf.math.mul(keep, runningMean), tf.math.mul(tf.constant((float) (1 - op.momentum())), mean))));
        statisticUpdates.add(tf.assign(
                runningVariance,
                tf.math.add(
                        tf.math.mul(keep, runningVariance),
                        tf.math.mul(tf.constant((float) ((1 - op.momentum()) * unbiasing)), variance))));
        return output;
    }

    @Override
    public Operand<TFloat32> add(Op.Add op) {
        // equal shapes, or [N, 1, 1, C] against [N, H, W, C]: TensorFlow broadcasts either way
        return tf.math.add(input(0), input(1));
    }

    @Override
    public Operand<TFloat32> mul(Op.Mul op) {
        throw refuse("mul");
    }

    @Override
    public Operand<TFloat32> concat(Op.Concat op) {
        throw refuse("concat");
    }

    @Override
    public Operand<TFloat32> relu(Op.Relu op) {
        return tf.nn.relu(input(0));
    }

    @Override
    public Operand<TFloat32> clip(Op.Clip op) {
        throw refuse("clip");
    }

    @Override
    public Operand<TFloat32> sigmoid(Op.Sigmoid op) {
        throw refuse("sigmoid");
    }

    @Override
    public Operand<TFloat32> tanh(Op.Tanh op) {
        return tf.math.tanh(input(0));
    }

    @Override
    public Operand<TFloat32> hardSwish(Op.HardSwish op) {
        throw refuse("hard swish");
    }

    @Override
    public Operand<TFloat32> maxPool(Op.MaxPool op) {
        Window window = op.window();
        if (!window.unpadded()) {
            throw refuse("a padded max pool");
        }
        return tf.nn.maxPool(
                input(0),
                tf.constant(new int[] {1, window.kernelHeight(), window.kernelWidth(), 1}),
                tf.constant(new int[] {1, window.strideHeight(), window.strideWidth(), 1}),
                "VALID");
    }

    @Override
    public Operand<TFloat32> averagePool(Op.AveragePool op) {
        throw refuse("average pool");
    }

    @Override
    public Operand<TFloat32> globalAveragePool(Op.GlobalAveragePool op) {
        return tf.math.mean(input(0), tf.constant(new int[] {1, 2}), org.tensorflow.op.math.Mean.keepDims(true));
    }

    @Override
    public Operand<TFloat32> flatten(Op.Flatten op) {
        int[] shape = step.inputShape(0);
        if (shape.length == 1) {
            return input(0);
        }
        Operand<TFloat32> x = input(0);
        if (shape[0] > 1 && (shape[1] > 1 || shape[2] > 1)) {
            // lc4j flattens C, H, W in that order (the dense weight's rows follow it)
            x = tf.linalg.transpose(x, tf.constant(new int[] {0, 3, 1, 2}));
        }
        return tf.reshape(x, tf.constant(new long[] {-1, step.outputShape()[0]}));
    }

    @Override
    public Operand<TFloat32> reshape(Op.Reshape op) {
        throw refuse("reshape");
    }
}
