package io.github.lc4j.api;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.support.Checks;
import java.util.Arrays;

/**
 * A named trainable parameter of a model: its layer, its role and its shape.
 *
 * @param name  unique name, {@code layer + ".weight"} or {@code layer + ".bias"}
 * @param layer the name of the layer that owns it
 * @param role  weight (a candidate for quantization) or bias
 * @param shape dimensions (copied; see {@link Layer} for the layouts)
 */
public record ParameterSpec(String name, String layer, Role role, int[] shape) {

    /** What a parameter is for. */
    public enum Role {
        /** Multiplicative weights: what LC quantizes. */
        WEIGHT,
        /** Additive biases: kept in float by default. */
        BIAS
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
