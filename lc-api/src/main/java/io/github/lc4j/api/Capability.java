package io.github.lc4j.api;

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
    THREAD_COUNT_INDEPENDENT
}
