package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Window;
import io.github.lc4j.api.support.Checks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One forward pass of a model graph, built step by step from {@link ModelSpec#steps()} through an
 * exhaustive {@link Op.Visitor}: in training mode (batch normalization on the batch's statistics,
 * with assign ops that move the running statistics) or in inference mode (the running statistics).
 * Two passes of one net share its variables.
 *
 * <p>Layouts: lc4j's samples are flat NCHW; TensorFlow's CPU convolution and pooling want NHWC. A
 * {@code [C, H, W]} tensor is kept in whichever layout its producer made ({@code [N, C·H·W]} flat,
 * or {@code [N, H, W, C]}) and converted once, on first demand, per tensor: convolutions, pooling
 * and batch normalization read NHWC, flatten and dense read the flat NCHW form, element-wise ops
 * keep their input's layout. Conversions only move data, so a chain's numbers do not depend on
 * where they happen.
 */
final class ForwardPass implements Op.Visitor<ForwardPass.Value> {
    /** The values of a tensor: {@code [N, size]} in NCHW order, or {@code [N, H, W, C]}. */
    record Value(Operand<TFloat32> operand, boolean nhwc) {}

    private final Ops tf;
    private final ModelSpec model;
    private final Map<String, TensorFlowNet.ParameterNodes> parameters;
    private final boolean training;
    private final Value[] tensors;
    private final List<Operand<TFloat32>> flatForms;
    private final List<Operand<TFloat32>> nhwcForms;
    private final List<org.tensorflow.op.Op> statisticUpdates = new ArrayList<>();
    private final Operand<TFloat32> logits;
    /** The step being built. */
    private ModelSpec.Step step;

    ForwardPass(
            Ops tf,
            ModelSpec model,
            Operand<TFloat32> inputs,
            Map<String, TensorFlowNet.ParameterNodes> parameters,
            boolean training) {
        this.tf = tf;
        this.model = model;
        this.parameters = parameters;
        this.training = training;
        int count = model.tensorCount();
        tensors = new Value[count];
        flatForms = new ArrayList<>(Collections.nCopies(count, null));
        nhwcForms = new ArrayList<>(Collections.nCopies(count, null));
        tensors[0] = new Value(tf.reshape(inputs, tf.constant(new long[] {-1, model.inputSize()})), false);
        for (ModelSpec.Step current : model.steps()) {
            step = current;
            tensors[current.output()] = current.op().accept(this);
        }
        step = null;
        logits = flat(count - 1);
    }

    /** Returns the class scores, {@code [N, classes]}. */
    Operand<TFloat32> logits() {
        return logits;
    }

    /** Returns the assign ops that move the running statistics (training mode; empty otherwise). */
    List<org.tensorflow.op.Op> statisticUpdates() {
        return statisticUpdates;
    }

    // ------------------------------------------------------------------------------- layouts

    /** Tensor {@code id} as {@code [N, size]} in NCHW order. */
    private Operand<TFloat32> flat(int id) {
        Value value = tensors[id];
        if (!value.nhwc()) {
            return value.operand();
        }
        Operand<TFloat32> form = flatForms.get(id);
        if (form == null) {
            Operand<TFloat32> nchw = tf.linalg.transpose(value.operand(), tf.constant(new int[] {0, 3, 1, 2}));
            form = tf.reshape(nchw, tf.constant(new long[] {-1, model.tensorSize(id)}));
            flatForms.set(id, form);
        }
        return form;
    }

    /** Tensor {@code id}, a {@code [C, H, W]} map, as {@code [N, H, W, C]}. */
    private Operand<TFloat32> nhwc(int id) {
        Value value = tensors[id];
        if (value.nhwc()) {
            return value.operand();
        }
        Operand<TFloat32> form = nhwcForms.get(id);
        if (form == null) {
            int[] shape = model.tensorShape(id);
            Checks.checkArgument(shape.length == 3, "tensor %d of shape %s is not a map", id, Arrays.toString(shape));
            Operand<TFloat32> nchw =
                    tf.reshape(value.operand(), tf.constant(new long[] {-1, shape[0], shape[1], shape[2]}));
            form = tf.linalg.transpose(nchw, tf.constant(new int[] {0, 2, 3, 1}));
            nhwcForms.set(id, form);
        }
        return form;
    }

    private Value input(int i) {
        return tensors[step.input(i)];
    }

    private Operand<TFloat32> parameter(ParameterSpec.Role role) {
        return parameters.get(step.parameter(role)).read();
    }

    /**
     * Whether TensorFlow's SAME padding of a {@code [C, H, W]} input pads exactly as {@code window}
     * does: SAME pads (⌈in / stride⌉ − 1)·stride + span − in in all, the smaller half first.
     */
    static boolean padsAsSame(Window window, int[] shape) {
        return sameAxis(
                        shape[1],
                        window.kernelHeight(),
                        window.strideHeight(),
                        window.dilationHeight(),
                        window.padTop(),
                        window.padBottom())
                && sameAxis(
                        shape[2],
                        window.kernelWidth(),
                        window.strideWidth(),
                        window.dilationWidth(),
                        window.padLeft(),
                        window.padRight());
    }

    private static boolean sameAxis(int input, int kernel, int stride, int dilation, int before, int after) {
        int span = dilation * (kernel - 1) + 1;
        int total = Math.max(0, ((input + stride - 1) / stride - 1) * stride + span - input);
        return before == total / 2 && after == total - total / 2;
    }

    /** Pads the height and width axes of an NHWC map by the window's pads with {@code value}. */
    private Operand<TFloat32> pad(Operand<TFloat32> nhwc, Window window, float value) {
        if (window.unpadded()) {
            return nhwc;
        }
        // int32 paddings: the C++ gradient of Pad slices with the paddings' type and fails on int64
        int[][] paddings = {{0, 0}, {window.padTop(), window.padBottom()}, {window.padLeft(), window.padRight()}, {0, 0}
        };
        return tf.pad(nhwc, tf.constant(paddings), tf.constant(value));
    }

    private static List<Long> strides(Window window) {
        return List.of(1L, (long) window.strideHeight(), (long) window.strideWidth(), 1L);
    }

    /**
     * Spreads an HWIO filter's taps by the window's dilation, zeros between them: TensorFlow's C++
     * gradient of Conv2D ignores the dilations attribute and oneDNN's CPU kernels abort on it, so a
     * dilated convolution is an undilated one with this larger filter.
     */
    private Operand<TFloat32> dilate(Operand<TFloat32> hwio, Window window, long in, long out) {
        int dh = window.dilationHeight();
        int dw = window.dilationWidth();
        if (dh == 1 && dw == 1) {
            return hwio;
        }
        long kh = window.kernelHeight();
        long kw = window.kernelWidth();
        Operand<TFloat32> spread = tf.reshape(hwio, tf.constant(new long[] {kh, 1, kw, 1, in, out}));
        spread = tf.pad(
                spread,
                tf.constant(new int[][] {{0, 0}, {0, dh - 1}, {0, 0}, {0, dw - 1}, {0, 0}, {0, 0}}),
                tf.constant(0f));
        spread = tf.reshape(spread, tf.constant(new long[] {kh * dh, kw * dw, in, out}));
        return tf.slice(spread, tf.constant(new int[] {0, 0, 0, 0}), tf.constant(new int[] {
            (int) ((kh - 1) * dh + 1), (int) ((kw - 1) * dw + 1), (int) in, (int) out
        }));
    }

    // ------------------------------------------------------------------------------- ops

    @Override
    public Value dense(Op.Dense op) {
        Operand<TFloat32> output = tf.linalg.matMul(flat(step.input(0)), parameter(ParameterSpec.Role.WEIGHT));
        if (op.bias()) {
            output = tf.nn.biasAdd(output, parameter(ParameterSpec.Role.BIAS));
        }
        return new Value(output, false);
    }

    @Override
    public Value conv2d(Op.Conv2d op) {
        int[] shape = step.inputShape(0);
        int channels = shape[0];
        int filters = op.filters();
        int groups = op.groups();
        Window window = op.window();
        // TensorFlow's SAME padding where it pads as the window does: no Pad op in the graph
        String padding = padsAsSame(window, shape) ? "SAME" : "VALID";
        Operand<TFloat32> x = padding.equals("SAME") ? nhwc(step.input(0)) : pad(nhwc(step.input(0)), window, 0f);
        Operand<TFloat32> weight = parameter(ParameterSpec.Role.WEIGHT); // [filters, channels / groups, kh, kw]
        Operand<TFloat32> output;
        if (groups == 1) {
            Operand<TFloat32> filter = tf.linalg.transpose(weight, tf.constant(new int[] {2, 3, 1, 0}));
            output = tf.nn.conv2d(x, dilate(filter, window, channels, filters), strides(window), padding);
        } else if (op.depthwise(channels)) {
            // filter f = c·k + j reads channel c: TensorFlow's depthwise output channel order
            long multiplier = filters / channels;
            Operand<TFloat32> filter = tf.linalg.transpose(
                    tf.reshape(weight, tf.constant(new long[] {
                        channels, multiplier, window.kernelHeight(), window.kernelWidth()
                    })),
                    tf.constant(new int[] {2, 3, 0, 1}));
            output = tf.nn.depthwiseConv2dNative(
                    x, dilate(filter, window, channels, multiplier), strides(window), padding);
        } else {
            // TensorFlow's CPU Conv2D need not take grouped filters: one convolution per group
            Operand<TFloat32> filter = dilate(
                    tf.linalg.transpose(weight, tf.constant(new int[] {2, 3, 1, 0})),
                    window,
                    channels / groups,
                    filters);
            var inputGroups = tf.split(tf.constant(3), x, (long) groups).output();
            var filterGroups = tf.split(tf.constant(3), filter, (long) groups).output();
            List<Operand<TFloat32>> outputs = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                outputs.add(tf.nn.conv2d(inputGroups.get(g), filterGroups.get(g), strides(window), padding));
            }
            output = tf.concat(outputs, tf.constant(3));
        }
        if (op.bias()) {
            output = tf.nn.biasAdd(output, parameter(ParameterSpec.Role.BIAS));
        }
        return new Value(output, true);
    }

    @Override
    public Value batchNorm(Op.BatchNorm op) {
        int[] shape = step.inputShape(0);
        boolean image = shape.length == 3;
        // statistics per channel: over N, H, W of an NHWC map, over N of a vector
        Operand<TFloat32> x = image ? nhwc(step.input(0)) : flat(step.input(0));
        Operand<TInt32> axes = tf.constant(image ? new int[] {0, 1, 2} : new int[] {0});
        Operand<TFloat32> scale = parameter(ParameterSpec.Role.SCALE);
        Operand<TFloat32> shift = parameter(ParameterSpec.Role.SHIFT);
        Operand<TFloat32> epsilon = tf.constant((float) op.epsilon());
        TensorFlowNet.ParameterNodes runningMean = parameters.get(step.parameter(ParameterSpec.Role.RUNNING_MEAN));
        TensorFlowNet.ParameterNodes runningVariance =
                parameters.get(step.parameter(ParameterSpec.Role.RUNNING_VARIANCE));
        Operand<TFloat32> output;
        if (training) {
            Operand<TFloat32> mean = tf.math.mean(x, axes);
            Operand<TFloat32> centered = tf.math.sub(x, mean);
            Operand<TFloat32> variance = tf.math.mean(tf.math.mul(centered, centered), axes);
            Operand<TFloat32> inverse = tf.math.rsqrt(tf.math.add(variance, epsilon));
            // one multiply-add over the map with per-channel factors, as tf.nn.batch_normalization does
            Operand<TFloat32> gamma = tf.math.mul(scale, inverse);
            Operand<TFloat32> beta = tf.math.sub(shift, tf.math.mul(mean, gamma));
            output = tf.math.add(tf.math.mul(x, gamma), beta);
            // running ← momentum·running + (1 − momentum)·batch, the variance unbiased by n/(n − 1)
            Operand<TFloat32> perChannel =
                    tf.math.div(tf.dtypes.cast(tf.size(x), TFloat32.class), tf.constant((float) shape[0]));
            Operand<TFloat32> unbiasing =
                    tf.math.div(perChannel, tf.math.maximum(tf.math.sub(perChannel, tf.constant(1f)), tf.constant(1f)));
            Operand<TFloat32> keep = tf.constant((float) op.momentum());
            Operand<TFloat32> take = tf.constant((float) (1 - op.momentum()));
            statisticUpdates.add(tf.assign(
                    runningMean.value(), tf.math.add(tf.math.mul(keep, runningMean.value()), tf.math.mul(take, mean))));
            statisticUpdates.add(tf.assign(
                    runningVariance.value(),
                    tf.math.add(
                            tf.math.mul(keep, runningVariance.value()),
                            tf.math.mul(take, tf.math.mul(variance, unbiasing)))));
        } else {
            Operand<TFloat32> inverse = tf.math.rsqrt(tf.math.add(runningVariance.read(), epsilon));
            Operand<TFloat32> gamma = tf.math.mul(scale, inverse);
            Operand<TFloat32> beta = tf.math.sub(shift, tf.math.mul(runningMean.read(), gamma));
            output = tf.math.add(tf.math.mul(x, gamma), beta);
        }
        return new Value(output, image);
    }

    @Override
    public Value add(Op.Add op) {
        return elementwise(false);
    }

    @Override
    public Value mul(Op.Mul op) {
        return elementwise(true);
    }

    /** Equal shapes in a common layout, or a {@code [C, H, W]} map and a {@code [C, 1, 1]} tensor as NHWC. */
    private Value elementwise(boolean product) {
        int first = step.input(0);
        int second = step.input(1);
        boolean maps = step.inputShape(0).length == 3;
        boolean asFlat = !maps
                || (Arrays.equals(step.inputShape(0), step.inputShape(1))
                        && !tensors[first].nhwc()
                        && !tensors[second].nhwc());
        Operand<TFloat32> a = asFlat ? flat(first) : nhwc(first);
        Operand<TFloat32> b = asFlat ? flat(second) : nhwc(second);
        return new Value(product ? tf.math.mul(a, b) : tf.math.add(a, b), !asFlat);
    }

    @Override
    public Value concat(Op.Concat op) {
        int[] ids = step.inputs();
        boolean asFlat = step.inputShape(0).length == 1;
        if (!asFlat) {
            // flat NCHW samples are channel-major: joining them on axis 1 joins the channels
            asFlat = Arrays.stream(ids).noneMatch(id -> tensors[id].nhwc());
        }
        List<Operand<TFloat32>> parts = new ArrayList<>();
        for (int id : ids) {
            parts.add(asFlat ? flat(id) : nhwc(id));
        }
        return new Value(tf.concat(parts, tf.constant(asFlat ? 1 : 3)), !asFlat);
    }

    @Override
    public Value relu(Op.Relu op) {
        Value x = input(0);
        return new Value(tf.nn.relu(x.operand()), x.nhwc());
    }

    @Override
    public Value clip(Op.Clip op) {
        Value x = input(0);
        // the bound first: the C++ gradient of Maximum(a, b) goes to b where a < b, of Minimum(a, b)
        // where b < a, so x gets 1 strictly inside (min, max) and 0 on the bounds
        Operand<TFloat32> raised = tf.math.maximum(tf.constant(op.min()), x.operand());
        return new Value(tf.math.minimum(tf.constant(op.max()), raised), x.nhwc());
    }

    @Override
    public Value sigmoid(Op.Sigmoid op) {
        Value x = input(0);
        return new Value(tf.math.sigmoid(x.operand()), x.nhwc());
    }

    @Override
    public Value tanh(Op.Tanh op) {
        Value x = input(0);
        return new Value(tf.math.tanh(x.operand()), x.nhwc());
    }

    @Override
    public Value hardSwish(Op.HardSwish op) {
        Value x = input(0);
        // x·min(max(x + 3, 0), 6)/6; Relu6's gradient is 1 strictly inside (0, 6)
        Operand<TFloat32> gate = tf.nn.relu6(tf.math.add(x.operand(), tf.constant(3f)));
        return new Value(tf.math.div(tf.math.mul(x.operand(), gate), tf.constant(6f)), x.nhwc());
    }

    @Override
    public Value maxPool(Op.MaxPool op) {
        Window window = op.window();
        // padded positions are −∞: every window holds an input position, so they never win
        Operand<TFloat32> x = pad(nhwc(step.input(0)), window, Float.NEGATIVE_INFINITY);
        Operand<TFloat32> pooled = tf.nn.maxPool(
                x,
                tf.constant(new int[] {1, window.kernelHeight(), window.kernelWidth(), 1}),
                tf.constant(new int[] {1, window.strideHeight(), window.strideWidth(), 1}),
                "VALID");
        return new Value(pooled, true);
    }

    @Override
    public Value averagePool(Op.AveragePool op) {
        Window window = op.window();
        Operand<TFloat32> x = pad(nhwc(step.input(0)), window, 0f);
        Operand<TFloat32> pooled = tf.nn.avgPool(
                x,
                List.of(1L, (long) window.kernelHeight(), (long) window.kernelWidth(), 1L),
                strides(window),
                "VALID");
        if (!op.countIncludePad() && !window.unpadded()) {
            // the mean over kh·kw, rescaled per output position to the mean over its in-bounds inputs
            pooled = tf.math.mul(pooled, tf.constant(inBoundsRescaling(window, step.inputShape(0))));
        }
        return new Value(pooled, true);
    }

    /** Returns, per output position, kh·kw over the number of its window's in-bounds inputs: {@code [1, Ho, Wo, 1]}. */
    private static float[][][][] inBoundsRescaling(Window window, int[] inputShape) {
        int outputHeight = window.outputHeight(inputShape[1]);
        int outputWidth = window.outputWidth(inputShape[2]);
        float[][][][] factors = new float[1][outputHeight][outputWidth][1];
        int area = window.kernelHeight() * window.kernelWidth();
        for (int row = 0; row < outputHeight; row++) {
            int rows = inBounds(row * window.strideHeight() - window.padTop(), window.kernelHeight(), inputShape[1]);
            for (int column = 0; column < outputWidth; column++) {
                int columns =
                        inBounds(column * window.strideWidth() - window.padLeft(), window.kernelWidth(), inputShape[2]);
                factors[0][row][column][0] = (float) area / (rows * columns);
            }
        }
        return factors;
    }

    /** Returns how many of {@code start .. start + kernel - 1} lie in {@code 0 .. size - 1}. */
    private static int inBounds(int start, int kernel, int size) {
        return Math.min(start + kernel, size) - Math.max(start, 0);
    }

    @Override
    public Value globalAveragePool(Op.GlobalAveragePool op) {
        int id = step.input(0);
        if (!tensors[id].nhwc()) {
            // a flat NCHW sample holds each channel's values together: mean over them, [N, C] is [C, 1, 1] flat
            int[] shape = step.inputShape(0);
            Operand<TFloat32> channels =
                    tf.reshape(flat(id), tf.constant(new long[] {-1, shape[0], (long) shape[1] * shape[2]}));
            return new Value(tf.math.mean(channels, tf.constant(2)), false);
        }
        return new Value(tf.math.mean(nhwc(id), tf.constant(new int[] {1, 2}), Mean.keepDims(true)), true);
    }

    @Override
    public Value flatten(Op.Flatten op) {
        return new Value(flat(step.input(0)), false);
    }

    @Override
    public Value reshape(Op.Reshape op) {
        // a flat value takes its consumer's shape when the consumer asks for a map
        return new Value(flat(step.input(0)), false);
    }
}
