package io.github.lc4j.backend.cpu;

/** Concatenation on the channel axis: each sample's inputs one after another. */
final class ConcatOp implements Kernel {
    private final int[] inputSizes;
    private final int outputSize;

    ConcatOp(int[] inputSizes) {
        this.inputSizes = inputSizes.clone();
        int total = 0;
        for (int size : inputSizes) {
            total += size;
        }
        this.outputSize = total;
    }

    @Override
    public void forward(float[][] inputs, float[] output, int batch, boolean training, Parallel parallel) {
        for (int sample = 0; sample < batch; sample++) {
            int offset = sample * outputSize;
            for (int input = 0; input < inputs.length; input++) {
                int size = inputSizes[input];
                System.arraycopy(inputs[input], sample * size, output, offset, size);
                offset += size;
            }
        }
    }

    @Override
    public void backward(
            float[][] inputs,
            float[] output,
            float[] outputGradient,
            float[][] inputGradients,
            int batch,
            Parallel parallel) {
        for (int sample = 0; sample < batch; sample++) {
            int offset = sample * outputSize;
            for (int input = 0; input < inputs.length; input++) {
                int size = inputSizes[input];
                if (inputGradients[input] != null) {
                    System.arraycopy(outputGradient, offset, inputGradients[input], sample * size, size);
                }
                offset += size;
            }
        }
    }
}
