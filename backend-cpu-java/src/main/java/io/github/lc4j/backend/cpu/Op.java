package io.github.lc4j.backend.cpu;

/**
 * A one-input node's forward and backward pass over a batch of flat per-sample activations, the
 * same in both modes. Backward overwrites the node's parameter gradients; {@code inputGradient} is
 * null when nothing below needs it, and otherwise arrives zero-filled.
 */
abstract class Op implements Kernel {
    final int inputSize;
    final int outputSize;
    // the arrays of the running call: a subclass's loop bodies are built once and read them here,
    // so that handing a loop to the thread pool allocates nothing
    float[] input;
    float[] output;
    float[] outputGradient;
    float[] inputGradient;

    Op(int inputSize, int outputSize) {
        this.inputSize = inputSize;
        this.outputSize = outputSize;
    }

    /** Makes a forward call's arrays visible to the loop bodies. */
    final void bind(float[] input, float[] output) {
        bind(input, output, null, null);
    }

    /** Makes a backward call's arrays visible to the loop bodies. */
    final void bind(float[] input, float[] output, float[] outputGradient, float[] inputGradient) {
        this.input = input;
        this.output = output;
        this.outputGradient = outputGradient;
        this.inputGradient = inputGradient;
    }

    /** Drops the references to the caller's arrays once a call is done. */
    final void unbind() {
        bind(null, null, null, null);
    }

    @Override
    public final void forward(float[][] inputs, float[] output, int batch, boolean training, Parallel parallel) {
        forward(inputs[0], output, batch, parallel);
    }

    @Override
    public final void backward(
            float[][] inputs,
            float[] output,
            float[] outputGradient,
            float[][] inputGradients,
            int batch,
            Parallel parallel) {
        backward(inputs[0], output, outputGradient, inputGradients[0], batch, parallel);
    }

    abstract void forward(float[] input, float[] output, int batch, Parallel parallel);

    abstract void backward(
            float[] input, float[] output, float[] outputGradient, float[] inputGradient, int batch, Parallel parallel);
}
