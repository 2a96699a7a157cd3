package io.github.lc4j.api.spi;

import io.github.lc4j.api.Layer;
import java.util.Optional;

/**
 * Optional features a backend declares. Dense layers, ReLU, tanh, flatten and the softmax
 * cross-entropy loss are mandatory; whatever else a backend lacks it must reject with a clear
 * {@link UnsupportedOperationException} when asked.
 */
public enum Capability {
    /** 2-D convolution layers. */
    CONV2D,
    /** Max-pool layers. */
    MAX_POOL,
    /** Runs on a GPU. */
    GPU,
    /** Same weights, batches and thread count give bit-identical results. */
    DETERMINISTIC,
    /** Results do not depend on the thread count either. */
    THREAD_COUNT_INDEPENDENT;

    /** Returns the capability a backend must declare to run {@code layer}, if any. */
    public static Optional<Capability> neededBy(Layer layer) {
        return layer.accept(new Layer.Visitor<Optional<Capability>>() {
            @Override
            public Optional<Capability> dense(Layer.Dense dense) {
                return Optional.empty();
            }

            @Override
            public Optional<Capability> conv2d(Layer.Conv2d conv) {
                return Optional.of(CONV2D);
            }

            @Override
            public Optional<Capability> maxPool2d(Layer.MaxPool2d pool) {
                return Optional.of(MAX_POOL);
            }

            @Override
            public Optional<Capability> relu(Layer.Relu relu) {
                return Optional.empty();
            }

            @Override
            public Optional<Capability> tanh(Layer.Tanh tanh) {
                return Optional.empty();
            }

            @Override
            public Optional<Capability> flatten(Layer.Flatten flatten) {
                return Optional.empty();
            }
        });
    }
}
