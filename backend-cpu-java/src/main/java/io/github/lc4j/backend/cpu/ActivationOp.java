package io.github.lc4j.backend.cpu;

/** Element-wise ReLU or tanh; backward uses the stored output. */
final class ActivationOp extends Op {
    private static final int CHUNK = 8192;

    private final boolean tanh;
    private final Parallel.RangeBody forwardRange = this::forwardRange;
    private final Parallel.RangeBody backwardRange = this::backwardRange;

    ActivationOp(int size, boolean tanh) {
        super(size, size);
        this.tanh = tanh;
    }

    @Override
    void forward(float[] input, float[] output, int batch, Parallel parallel) {
        bind(input, output);
        parallel.forChunks(batch * inputSize, CHUNK, forwardRange);
        unbind();
    }

    private void forwardRange(int from, int to) {
        if (tanh) {
            for (int i = from; i < to; i++) {
                output[i] = (float) Math.tanh(input[i]);
            }
        } else {
            for (int i = from; i < to; i++) {
                output[i] = Math.max(0f, input[i]);
            }
        }
    }

    @Override
    void backward(
            float[] input,
            float[] output,
            float[] outputGradient,
            float[] inputGradient,
            int batch,
            Parallel parallel) {
        if (inputGradient == null) {
            return;
        }
        bind(input, output, outputGradient, inputGradient);
        parallel.forChunks(batch * inputSize, CHUNK, backwardRange);
        unbind();
    }

    private void backwardRange(int from, int to) {
        if (tanh) {
            for (int i = from; i < to; i++) {
                float y = output[i];
                inputGradient[i] = outputGradient[i] * (1f - y * y);
            }
        } else {
            for (int i = from; i < to; i++) {
                inputGradient[i] = input[i] > 0f ? outputGradient[i] : 0f;
            }
        }
    }
}
