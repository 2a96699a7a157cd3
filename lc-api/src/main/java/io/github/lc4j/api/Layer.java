package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

/**
 * One layer of a chain: the shorthand {@link ModelSpec#of} expands into graph {@link Node}s, one
 * per layer. Layers with parameters carry a name, which becomes their node's name and prefixes
 * their parameter names ({@code name + ".weight"}, {@code name + ".bias"}); the others are named
 * by kind and position ({@code relu1}).
 *
 * <p>Layouts, shared by every backend: activations are batch-major, images are {@code [C, H, W]}
 * per sample; a dense weight is {@code [inputs, outputs]} (y = x·W + b); a convolution weight is
 * {@code [filters, channels, kernel, kernel]}.
 */
public sealed interface Layer {

    /**
     * Returns what {@code visitor} returns for this layer. Backends and the model's shape
     * inference dispatch through this method, so that a new layer type is a compile error in every
     * one of them until it is handled, never silently treated as another.
     */
    <R> R accept(Visitor<R> visitor);

    /** Returns the graph op this layer expands to. */
    Op toOp();

    /** Returns the kind of layer, the prefix of the node name of an unnamed layer. */
    default String kind() {
        return getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    /** Returns the name a dense or convolution layer carries; empty for the others. */
    static java.util.Optional<String> named(Layer layer) {
        if (layer instanceof Dense dense) {
            return java.util.Optional.of(dense.name());
        }
        if (layer instanceof Conv2d conv) {
            return java.util.Optional.of(conv.name());
        }
        return java.util.Optional.empty();
    }

    /**
     * One method per layer type.
     *
     * @param <R> what the visit returns
     */
    interface Visitor<R> {
        /** Visits a dense layer. */
        R dense(Dense layer);

        /** Visits a convolution layer. */
        R conv2d(Conv2d layer);

        /** Visits a max-pool layer. */
        R maxPool2d(MaxPool2d layer);

        /** Visits a ReLU layer. */
        R relu(Relu layer);

        /** Visits a tanh layer. */
        R tanh(Tanh layer);

        /** Visits a flatten layer. */
        R flatten(Flatten layer);
    }

    /** Fully connected layer y = x·W + b with {@code units} outputs. */
    record Dense(String name, int units) implements Layer {
        /** Checks the name and unit count. */
        public Dense {
            requireNonNull(name, "name is null");
            checkArgument(!name.isBlank(), "dense layer name is blank");
            checkArgument(units > 0, "dense layer %s: units must be > 0, got %d", name, units);
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.dense(this);
        }

        @Override
        public Op toOp() {
            return new Op.Dense(units, true);
        }
    }

    /** 2-D convolution (cross-correlation) with square kernels, zero padding and a bias per filter. */
    record Conv2d(String name, int filters, int kernelSize, int stride, int padding) implements Layer {
        /** Checks the name and geometry. */
        public Conv2d {
            requireNonNull(name, "name is null");
            checkArgument(!name.isBlank(), "conv layer name is blank");
            checkArgument(filters > 0, "conv layer %s: filters must be > 0, got %d", name, filters);
            checkArgument(kernelSize > 0, "conv layer %s: kernel size must be > 0, got %d", name, kernelSize);
            checkArgument(stride > 0, "conv layer %s: stride must be > 0, got %d", name, stride);
            checkArgument(padding >= 0, "conv layer %s: padding must be >= 0, got %d", name, padding);
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.conv2d(this);
        }

        @Override
        public Op toOp() {
            return new Op.Conv2d(filters, Window.square(kernelSize, stride, padding), 1, true);
        }
    }

    /** Max pooling over square windows, no padding. */
    record MaxPool2d(int size, int stride) implements Layer {
        @Override
        public String kind() {
            return "maxpool";
        }

        /** Checks the window. */
        public MaxPool2d {
            checkArgument(size > 0, "max-pool size must be > 0, got %d", size);
            checkArgument(stride > 0, "max-pool stride must be > 0, got %d", stride);
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.maxPool2d(this);
        }

        @Override
        public Op toOp() {
            return new Op.MaxPool(Window.square(size, stride, 0));
        }
    }

    /** Rectified linear unit, element-wise. */
    record Relu() implements Layer {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.relu(this);
        }

        @Override
        public Op toOp() {
            return new Op.Relu();
        }
    }

    /** Hyperbolic tangent, element-wise. */
    record Tanh() implements Layer {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.tanh(this);
        }

        @Override
        public Op toOp() {
            return new Op.Tanh();
        }
    }

    /** Flattens {@code [C, H, W]} to a vector of {@code C·H·W} in that order. */
    record Flatten() implements Layer {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.flatten(this);
        }

        @Override
        public Op toOp() {
            return new Op.Flatten();
        }
    }

    /** Returns a dense layer. */
    static Dense dense(String name, int units) {
        return new Dense(name, units);
    }

    /** Returns a convolution layer. */
    static Conv2d conv2d(String name, int filters, int kernelSize, int stride, int padding) {
        return new Conv2d(name, filters, kernelSize, stride, padding);
    }

    /** Returns a max-pool layer. */
    static MaxPool2d maxPool(int size, int stride) {
        return new MaxPool2d(size, stride);
    }

    /** Returns a ReLU layer. */
    static Relu relu() {
        return new Relu();
    }

    /** Returns a tanh layer. */
    static Tanh tanh() {
        return new Tanh();
    }

    /** Returns a flatten layer. */
    static Flatten flatten() {
        return new Flatten();
    }
}
