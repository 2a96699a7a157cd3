package io.github.lc4j.api;

import java.util.Set;

/** A compute engine that trains nets (the L step) and runs the C step's per-weight kernels. */
public interface Backend {

    /** Returns the backend's name, equal to its provider's. */
    String name();

    /** Returns the optional features this backend supports. */
    Set<Capability> capabilities();

    /**
     * Returns a new trainer for {@code model}, with weights not yet loaded.
     *
     * @throws UnsupportedOperationException naming the layer when the model needs a capability this backend lacks
     */
    Trainer newTrainer(ModelSpec model, TrainerOptions options);

    /** Returns the C-step kernels; the default is the pure-Java reference implementation. */
    default CStepKernels cStepKernels() {
        return CStepKernels.DEFAULT;
    }

    /**
     * Throws {@link UnsupportedOperationException} naming the first layer of {@code model} that needs a
     * capability this backend does not declare.
     */
    default void checkSupports(ModelSpec model) {
        for (Layer layer : model.layers()) {
            Capability needed = null;
            if (layer instanceof Layer.Conv2d) {
                needed = Capability.CONV2D;
            } else if (layer instanceof Layer.MaxPool2d) {
                needed = Capability.MAX_POOL;
            }
            if (needed != null && !capabilities().contains(needed)) {
                throw new UnsupportedOperationException("backend " + name() + " does not support " + layer
                        + " (capability " + needed + "); choose another backend");
            }
        }
    }
}
