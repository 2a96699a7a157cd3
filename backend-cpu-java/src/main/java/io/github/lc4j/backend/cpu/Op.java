package io.github.lc4j.backend.cpu;

/**
 * One layer's forward and backward pass over a batch of flat per-sample activations. Backward
 * overwrites the layer's parameter gradients; {@code inputGradient} is null when nothing below
 * needs it, and otherwise arrives zero-filled.
 */
abstract class Op {
    final int inputSize;
    final int outputSize;

    Op(int inputSize, int outputSize) {
        this.inputSize = inputSize;
        this.outputSize = outputSize;
    }

    abstract void forward(float[] input, float[] output, int batch, Parallel parallel);

    abstract void backward(
            float[] input, float[] output, float[] outputGradient, float[] inputGradient, int batch, Parallel parallel);
}
