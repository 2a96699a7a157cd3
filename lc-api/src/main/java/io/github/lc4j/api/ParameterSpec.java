package io.github.lc4j.api;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.support.Checks;
import java.util.Arrays;

/**
 * A named parameter of a model: the node that owns it, its role and its shape. Running statistics
 * are parameters too (they travel with the weights) but are not trained.
 *
 * @param name  unique name, {@link #nameOf nameOf(layer, role)}
 * @param layer the name of the node that owns it
 * @param role  what the parameter is for
 * @param shape dimensions (copied; see {@link Layer} for the layouts)
 */
public record ParameterSpec(String name, String layer, Role role, int[] shape) {

    /** What a parameter is for. */
    public enum Role {
        /** Multiplicative weights of a dense or convolution node: what LC quantizes by default. */
        WEIGHT("weight", true),
        /** Additive biases: kept in float by default. */
        BIAS("bias", true),
        /** A batch normalization's per-channel scale (γ). */
        SCALE("scale", true),
        /** A batch normalization's per-channel shift (β). */
        SHIFT("shift", true),
        /** A batch normalization's running mean: model state, not trained. */
        RUNNING_MEAN("running_mean", false),
        /** A batch normalization's running variance: model state, not trained. */
        RUNNING_VARIANCE("running_var", false);

        private final String suffix;
        private final boolean trainable;

        Role(String suffix, boolean trainable) {
            this.suffix = suffix;
            this.trainable = trainable;
        }

        /** Returns the suffix of parameter names with this role, e.g. {@code weight}. */
        public String suffix() {
            return suffix;
        }

        /** Whether SGD updates parameters with this role (running statistics are not). */
        public boolean trainable() {
            return trainable;
        }
    }

    /**
     * Returns the name of {@code node}'s parameter with {@code role}: {@code node + "." + suffix},
     * e.g. {@code fc1.weight}, {@code bn1.running_mean}. Every module names parameters through
     * this method.
     */
    public static String nameOf(String node, Role role) {
        return node + "." + role.suffix();
    }

    /** Whether SGD updates this parameter (its role is trainable). */
    public boolean trainable() {
        return role.trainable();
    }

    /** Checks and copies the shape. */
    public ParameterSpec {
        requireNonNull(name, "name is null");
        requireNonNull(layer, "layer is null");
        requireNonNull(role, "role is null");
        shape = requireNonNull(shape, "shape is null").clone();
        Checks.elementCount(shape);
    }

    /** Returns a copy of the shape. */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Returns the number of elements. */
    public int size() {
        return Checks.elementCount(shape);
    }

    /**
     * Returns the number of output channels: the outputs of a dense weight {@code [inputs, outputs]}
     * (its columns), the filters of a convolution weight {@code [filters, channels, k, k]}, the
     * length of a bias.
     */
    public int outputChannels() {
        return shape.length == 2 ? shape[1] : shape[0];
    }

    /** Returns the number of values in one output channel. */
    public int channelSize() {
        return size() / outputChannels();
    }

    /**
     * Returns the flat indices (C order) of output channel {@code channel}, in increasing order.
     *
     * @throws IllegalArgumentException when the channel is out of range
     */
    public int[] channelPositions(int channel) {
        Checks.checkArgument(
                channel >= 0 && channel < outputChannels(),
                "parameter %s has %d output channels, got" + " channel %d",
                name,
                outputChannels(),
                channel);
        int channelSize = channelSize();
        int[] positions = new int[channelSize];
        for (int i = 0; i < channelSize; i++) {
            positions[i] = shape.length == 2 ? i * shape[1] + channel : channel * channelSize + i;
        }
        return positions;
    }

    /** Returns dimension {@code index} of the shape. */
    public int dimension(int index) {
        return shape[index];
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ParameterSpec that
                && name.equals(that.name)
                && layer.equals(that.layer)
                && role == that.role
                && Arrays.equals(shape, that.shape);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + role.hashCode()) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
