package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.support.Checks;
import java.util.Arrays;
import java.util.List;

/**
 * What one node of a model computes. Ops are immutable records that know their output shape and
 * the parameters they declare; backends dispatch over them with {@link Visitor}, so a new op is a
 * compile error in every backend until it is handled.
 *
 * <p>Shapes are per sample: {@code [features]} or {@code [C, H, W]}. Layouts, shared by every
 * backend: activations are batch-major; a dense weight is {@code [inputs, outputs]} (y = x·W + b); a
 * convolution weight is {@code [filters, channels / groups, kernelHeight, kernelWidth]}.
 *
 * <p>Ops, nodes and windows are serializable, so that a distributed run can ship a graph as it is.
 */
public sealed interface Op extends java.io.Serializable {

    /** Returns what {@code visitor} returns for this op. */
    <R> R accept(Visitor<R> visitor);

    /**
     * Returns the per-sample output shape for the given per-sample input shapes.
     *
     * @throws IllegalArgumentException naming the op and the shapes when they do not fit
     */
    int[] outputShape(List<int[]> inputShapes);

    /** Returns the parameters this op declares for the given input shapes, in a fixed order. */
    default List<Declared> parameters(List<int[]> inputShapes) {
        return List.of();
    }

    /** Returns the number of inputs this op takes: 1, 2, or {@link #VARIADIC} (two or more). */
    default int arity() {
        return 1;
    }

    /** The {@link #arity()} of an op that takes two or more inputs. */
    int VARIADIC = -1;

    /** A parameter an op declares: its role and shape. The node's name makes it unique. */
    record Declared(ParameterSpec.Role role, int[] shape) implements java.io.Serializable {
        /** Copies the shape. */
        public Declared {
            requireNonNull(role, "role is null");
            shape = requireNonNull(shape, "shape is null").clone();
        }
    }

    /**
     * One method per op.
     *
     * @param <R> what the visit returns
     */
    interface Visitor<R> {
        /** Visits a fully connected op. */
        R dense(Dense op);

        /** Visits a convolution. */
        R conv2d(Conv2d op);

        /** Visits a batch normalization. */
        R batchNorm(BatchNorm op);

        /** Visits an element-wise sum. */
        R add(Add op);

        /** Visits an element-wise product. */
        R mul(Mul op);

        /** Visits a channel concatenation. */
        R concat(Concat op);

        /** Visits a ReLU. */
        R relu(Relu op);

        /** Visits a clip (ReLU6 when 0..6). */
        R clip(Clip op);

        /** Visits a logistic sigmoid. */
        R sigmoid(Sigmoid op);

        /** Visits a hyperbolic tangent. */
        R tanh(Tanh op);

        /** Visits a hard swish. */
        R hardSwish(HardSwish op);

        /** Visits a max pooling. */
        R maxPool(MaxPool op);

        /** Visits an average pooling. */
        R averagePool(AveragePool op);

        /** Visits a global average pooling. */
        R globalAveragePool(GlobalAveragePool op);

        /** Visits a flatten. */
        R flatten(Flatten op);

        /** Visits a reshape. */
        R reshape(Reshape op);
    }

    /** Fully connected: y = x·W (+ b) with {@code units} outputs over a vector input. */
    record Dense(int units, boolean bias) implements Op {
        /** Checks the unit count. */
        public Dense {
            checkArgument(units > 0, "dense op: units must be > 0, got %d", units);
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.dense(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            int[] input = single(this, inputShapes);
            checkArgument(
                    input.length == 1,
                    "%s needs a vector input, got shape %s; add a flatten node (Layer.flatten() in a chain)",
                    this,
                    Arrays.toString(input));
            return new int[] {units};
        }

        @Override
        public List<Declared> parameters(List<int[]> inputShapes) {
            Declared weight = new Declared(
                    ParameterSpec.Role.WEIGHT, new int[] {inputShapes.get(0)[0], units});
            return bias ? List.of(weight, new Declared(ParameterSpec.Role.BIAS, new int[] {units})) : List.of(weight);
        }
    }

    /**
     * 2-D convolution (cross-correlation) of {@code [C, H, W]} maps: {@code groups} splits the
     * channels into independent groups (depthwise when groups equals the input channels).
     */
    record Conv2d(int filters, Window window, int groups, boolean bias) implements Op {
        /** Checks the filter and group counts. */
        public Conv2d {
            requireNonNull(window, "window is null");
            checkArgument(filters > 0, "conv op: filters must be > 0, got %d", filters);
            checkArgument(groups > 0, "conv op: groups must be > 0, got %d", groups);
            checkArgument(filters % groups == 0, "conv op: filters %d are not divisible by groups %d", filters, groups);
        }

        /** Whether each filter reads exactly one input channel. */
        public boolean depthwise(int inputChannels) {
            return groups == inputChannels && groups > 1;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.conv2d(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            int[] input = image(this, inputShapes);
            checkArgument(
                    input[0] % groups == 0,
                    "%s: input channels %d are not divisible by groups %d",
                    this,
                    input[0],
                    groups);
            return new int[] {filters, window.outputHeight(input[1]), window.outputWidth(input[2])};
        }

        @Override
        public List<Declared> parameters(List<int[]> inputShapes) {
            int channels = inputShapes.get(0)[0] / groups;
            Declared weight = new Declared(
                    ParameterSpec.Role.WEIGHT,
                    new int[] {filters, channels, window.kernelHeight(), window.kernelWidth()});
            return bias ? List.of(weight, new Declared(ParameterSpec.Role.BIAS, new int[] {filters})) : List.of(weight);
        }
    }

    /**
     * Batch normalization per channel (axis 0 of the sample): y = scale·(x − m)/√(v + ε) + shift.
     * Training uses the batch's mean and (biased) variance and moves the running statistics toward
     * them, running ← momentum·running + (1 − momentum)·batch, the variance's batch value unbiased
     * (ONNX's and TensorFlow's momentum; PyTorch's momentum 0.1 is 0.9 here). Inference uses the
     * running statistics.
     */
    record BatchNorm(double epsilon, double momentum) implements Op {
        /** Checks {@code ε > 0} and {@code 0 ≤ momentum < 1}. */
        public BatchNorm {
            checkArgument(epsilon > 0 && Double.isFinite(epsilon), "batch norm: epsilon must be > 0, got %s", epsilon);
            checkArgument(momentum >= 0 && momentum < 1, "batch norm: momentum must be in [0, 1), got %s", momentum);
        }

        /** PyTorch's defaults: ε = 1e-5, momentum 0.9 in this convention. */
        public static BatchNorm defaults() {
            return new BatchNorm(1e-5, 0.9);
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.batchNorm(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return single(this, inputShapes).clone();
        }

        @Override
        public List<Declared> parameters(List<int[]> inputShapes) {
            int[] channels = {inputShapes.get(0)[0]};
            return List.of(
                    new Declared(ParameterSpec.Role.SCALE, channels),
                    new Declared(ParameterSpec.Role.SHIFT, channels),
                    new Declared(ParameterSpec.Role.RUNNING_MEAN, channels),
                    new Declared(ParameterSpec.Role.RUNNING_VARIANCE, channels));
        }
    }

    /**
     * Element-wise sum of two inputs of the same shape, or of a {@code [C, H, W]} map and a
     * {@code [C, 1, 1]} per-channel tensor (either side).
     */
    record Add() implements Op {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.add(this);
        }

        @Override
        public int arity() {
            return 2;
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return broadcast(this, inputShapes);
        }
    }

    /**
     * Element-wise product of two inputs of the same shape, or of a {@code [C, H, W]} map and a
     * {@code [C, 1, 1]} gate (either side), as in a squeeze-excitation block.
     */
    record Mul() implements Op {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.mul(this);
        }

        @Override
        public int arity() {
            return 2;
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return broadcast(this, inputShapes);
        }
    }

    /** Concatenation of two or more inputs on the channel axis (axis 0 of the sample). */
    record Concat() implements Op {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.concat(this);
        }

        @Override
        public int arity() {
            return VARIADIC;
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            checkArgument(inputShapes.size() >= 2, "%s needs two or more inputs, got %d", this, inputShapes.size());
            int[] first = inputShapes.get(0);
            int[] output = first.clone();
            for (int i = 1; i < inputShapes.size(); i++) {
                int[] other = inputShapes.get(i);
                checkArgument(
                        other.length == first.length
                                && Arrays.equals(
                                        Arrays.copyOfRange(other, 1, other.length),
                                        Arrays.copyOfRange(first, 1, first.length)),
                        "%s: input shapes %s and %s differ beyond the channel axis",
                        this,
                        Arrays.toString(first),
                        Arrays.toString(other));
                output[0] += other[0];
            }
            return output;
        }
    }

    /** max(x, 0). */
    record Relu() implements Op {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.relu(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return single(this, inputShapes).clone();
        }
    }

    /** min(max(x, min), max); ReLU6 is {@code Clip(0, 6)}. The gradient is 1 strictly inside. */
    record Clip(float min, float max) implements Op {
        /** Checks min ≤ max. */
        public Clip {
            checkArgument(min <= max, "clip op: min %s is above max %s", min, max);
        }

        /** Returns ReLU6. */
        public static Clip relu6() {
            return new Clip(0f, 6f);
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.clip(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return single(this, inputShapes).clone();
        }
    }

    /** 1 / (1 + e^−x). */
    record Sigmoid() implements Op {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.sigmoid(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return single(this, inputShapes).clone();
        }
    }

    /** tanh(x). */
    record Tanh() implements Op {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.tanh(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return single(this, inputShapes).clone();
        }
    }

    /** x·min(max(x + 3, 0), 6)/6, as ONNX's HardSwish and PyTorch's Hardswish. */
    record HardSwish() implements Op {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.hardSwish(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return single(this, inputShapes).clone();
        }
    }

    /** Max over each window; padded positions never win (ONNX's MaxPool). */
    record MaxPool(Window window) implements Op {
        /** Checks the window. */
        public MaxPool {
            requireNonNull(window, "window is null");
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.maxPool(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return pooled(this, window, inputShapes);
        }
    }

    /**
     * Mean over each window; with {@code countIncludePad} the padded zeros count in the divisor,
     * otherwise only the input positions do (ONNX's {@code count_include_pad}).
     */
    record AveragePool(Window window, boolean countIncludePad) implements Op {
        /** Checks the window. */
        public AveragePool {
            requireNonNull(window, "window is null");
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.averagePool(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return pooled(this, window, inputShapes);
        }
    }

    /** The mean of each channel: {@code [C, H, W]} to {@code [C, 1, 1]}, as ONNX's GlobalAveragePool. */
    record GlobalAveragePool() implements Op {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.globalAveragePool(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            int[] input = image(this, inputShapes);
            return new int[] {input[0], 1, 1};
        }
    }

    /** {@code [C, H, W]} to a vector of {@code C·H·W} in that order; a vector stays as it is. */
    record Flatten() implements Op {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.flatten(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            return new int[] {Checks.elementCount(single(this, inputShapes))};
        }
    }

    /**
     * The same values in another per-sample shape with as many elements, read in lc4j's flat
     * (C, H, W) order: a vector {@code [C]} as a {@code [C, 1, 1]} gate, as the reshape after a
     * squeeze-excitation block's dense layers. Shapes are {@code [features]} or {@code [C, H, W]}.
     */
    record Reshape(int[] shape) implements Op {
        /** Checks and copies the shape. */
        public Reshape {
            requireNonNull(shape, "shape is null");
            shape = shape.clone();
            checkArgument(
                    shape.length == 1 || shape.length == 3,
                    "reshape op: the per-sample shape must be [features] or [C, H, W], got %s",
                    Arrays.toString(shape));
            for (int size : shape) {
                checkArgument(size > 0, "reshape op: sizes must be > 0, got %s", Arrays.toString(shape));
            }
        }

        /** Returns a copy of the per-sample output shape. */
        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.reshape(this);
        }

        @Override
        public int[] outputShape(List<int[]> inputShapes) {
            int[] input = single(this, inputShapes);
            checkArgument(
                    Checks.elementCount(input) == Checks.elementCount(shape),
                    "%s: an input of shape %s has %d values, not %d",
                    this,
                    Arrays.toString(input),
                    Checks.elementCount(input),
                    Checks.elementCount(shape));
            return shape.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Reshape that && Arrays.equals(shape, that.shape);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return "Reshape" + Arrays.toString(shape);
        }
    }

    private static int[] single(Op op, List<int[]> inputShapes) {
        checkArgument(inputShapes.size() == 1, "%s takes one input, got %d", op, inputShapes.size());
        return inputShapes.get(0);
    }

    private static int[] image(Op op, List<int[]> inputShapes) {
        int[] input = single(op, inputShapes);
        checkArgument(input.length == 3, "%s needs a [C,H,W] input, got shape %s", op, Arrays.toString(input));
        return input;
    }

    private static int[] pooled(Op op, Window window, List<int[]> inputShapes) {
        int[] input = image(op, inputShapes);
        checkArgument(
                window.dilationHeight() == 1 && window.dilationWidth() == 1,
                "%s: pooling with dilation is not supported",
                op);
        checkArgument(
                window.padTop() < window.kernelHeight()
                        && window.padBottom() < window.kernelHeight()
                        && window.padLeft() < window.kernelWidth()
                        && window.padRight() < window.kernelWidth(),
                "%s: padding must be smaller than the kernel, so that no window is only padding",
                op);
        return new int[] {input[0], window.outputHeight(input[1]), window.outputWidth(input[2])};
    }

    /** The shape of a two-input element-wise op: equal shapes, or {@code [C,H,W]} with {@code [C,1,1]}. */
    private static int[] broadcast(Op op, List<int[]> inputShapes) {
        checkArgument(inputShapes.size() == 2, "%s takes two inputs, got %d", op, inputShapes.size());
        int[] a = inputShapes.get(0);
        int[] b = inputShapes.get(1);
        if (Arrays.equals(a, b)) {
            return a.clone();
        }
        if (channelBroadcast(a, b)) {
            return b.clone();
        }
        if (channelBroadcast(b, a)) {
            return a.clone();
        }
        throw new IllegalArgumentException(op + ": input shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                + " do not broadcast; they must be equal, or [C,H,W] and [C,1,1]");
    }

    /** Whether {@code small} is {@code [C, 1, 1]} and {@code large} is {@code [C, H, W]}. */
    static boolean channelBroadcast(int[] small, int[] large) {
        return small.length == 3 && large.length == 3 && small[0] == large[0] && small[1] == 1 && small[2] == 1;
    }
}
