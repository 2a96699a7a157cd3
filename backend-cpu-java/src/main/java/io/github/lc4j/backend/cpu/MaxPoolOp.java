package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.Window;

/**
 * Max pooling over a window that may be padded: padded positions never win. Remembers each
 * output's winning input (the first maximum in scan order) for backward.
 */
final class MaxPoolOp extends Op {
    private final int channels;
    private final int height;
    private final int width;
    private final int outHeight;
    private final int outWidth;
    private final PoolWindows windows;
    private int[] winners = new int[0];
    private final Parallel.RangeBody forwardSamples = this::forwardSamples;
    private final Parallel.RangeBody backwardSamples = this::backwardSamples;

    MaxPoolOp(int[] inputShape, int[] outputShape, Window window) {
        super(inputShape[0] * inputShape[1] * inputShape[2], outputShape[0] * outputShape[1] * outputShape[2]);
        this.channels = inputShape[0];
        this.height = inputShape[1];
        this.width = inputShape[2];
        this.outHeight = outputShape[1];
        this.outWidth = outputShape[2];
        this.windows = new PoolWindows(window, height, width, outHeight, outWidth);
    }

    @Override
    void forward(float[] input, float[] output, int batch, Parallel parallel) {
        if (winners.length < batch * outputSize) {
            winners = new int[batch * outputSize];
        }
        bind(input, output);
        parallel.forChunks(batch, 4, forwardSamples);
        unbind();
    }

    private void forwardSamples(int from, int to) {
        int[] winner = winners;
        for (int sample = from; sample < to; sample++) {
            int out = sample * outputSize;
            for (int c = 0; c < channels; c++) {
                int channelOffset = sample * inputSize + c * height * width;
                for (int oy = 0; oy < outHeight; oy++) {
                    for (int ox = 0; ox < outWidth; ox++) {
                        int yFrom = windows.rowFrom[oy];
                        int yTo = windows.rowTo[oy];
                        int xFrom = windows.columnFrom[ox];
                        int xTo = windows.columnTo[ox];
                        int best = channelOffset + yFrom * width + xFrom;
                        for (int y = yFrom; y < yTo; y++) {
                            for (int x = xFrom; x < xTo; x++) {
                                int index = channelOffset + y * width + x;
                                if (input[index] > input[best]) {
                                    best = index;
                                }
                            }
                        }
                        output[out] = input[best];
                        winner[out++] = best;
                    }
                }
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
        parallel.forChunks(batch, 4, backwardSamples);
        unbind();
    }

    private void backwardSamples(int from, int to) {
        int[] winner = winners;
        for (int index = from * outputSize; index < to * outputSize; index++) {
            inputGradient[winner[index]] += outputGradient[index];
        }
    }
}
