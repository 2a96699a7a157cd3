package io.github.lc4j.backend.cpu;

/**
 * What the trainer runs for one graph node over a batch of flat per-sample tensors. Backward
 * receives, for each input that needs it, a zero-filled gradient buffer that it may overwrite or
 * add into (the trainer sums the buffers of a tensor read by several nodes); the entry is null for
 * an input that needs no gradient. Backward overwrites the node's parameter gradients.
 */
interface Kernel {
    /** Computes the output; {@code training} selects batch statistics where an op has two modes. */
    void forward(float[][] inputs, float[] output, int batch, boolean training, Parallel parallel);

    /** Computes the parameter gradients and the input gradients that are asked for. */
    void backward(
            float[][] inputs,
            float[] output,
            float[] outputGradient,
            float[][] inputGradients,
            int batch,
            Parallel parallel);
}
