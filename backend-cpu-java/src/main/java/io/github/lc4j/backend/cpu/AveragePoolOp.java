package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.Window;

/**
 * Average pooling over a window that may be padded: the divisor is the whole window with
 * {@code countIncludePad}, else the window's positions inside the input (ONNX's
 * count_include_pad). Global average pooling is the window of the whole map.
 */
final class AveragePoolOp extends Op {
    private final int channels;
    private final int height;
    private final int width;
    private final int outHeight;
    private final int outWidth;
    private final PoolWindows windows;
    /** Per output position (row-major): what its sum is divided by. */
    private final float[] divisors;

    private final Parallel.RangeBody forwardSamples = this::forwardSamples;
    private final Parallel.RangeBody backwardSamples = this::backwardSamples;

    AveragePoolOp(int[] inputShape, int[] outputShape, Window window, boolean countIncludePad) {
        super(inputShape[0] * inputShape[1] * inputShape[2], outputShape[0] * outputShape[1] * outputShape[2]);
        this.channels = inputShape[0];
        this.height = inputShape[1];
        this.width = inputShape[2];
        this.outHeight = outputShape[1];
        this.outWidth = outputShape[2];
        this.windows = new PoolWindows(window, height, width, outHeight, outWidth);
        this.divisors = new float[outHeight * outWidth];
        for (int oy = 0; oy < outHeight; oy++) {
            for (int ox = 0; ox < outWidth; ox++) {
                int position = oy * outWidth + ox;
                divisors[position] = countIncludePad ? windows.paddedCount[position] : windows.inputCount(oy, ox);
            }
        }
    }

    /** Global average pooling of a {@code [C, H, W]} map. */
    static AveragePoolOp global(int[] inputShape) {
        return new AveragePoolOp(
                inputShape,
                new int[] {inputShape[0], 1, 1},
                new Window(inputShape[1], inputShape[2], 1, 1, 0, 0, 0, 0, 1, 1),
                true);
    }

    @Override
    void forward(float[] input, float[] output, int batch, Parallel parallel) {
        bind(input, output);
        parallel.forChunks(batch, 4, forwardSamples);
        unbind();
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

    private void forwardSamples(int from, int to) {
        for (int sample = from; sample < to; sample++) {
            int out = sample * outputSize;
            for (int c = 0; c < channels; c++) {
                int channelOffset = sample * inputSize + c * height * width;
                for (int oy = 0; oy < outHeight; oy++) {
                    for (int ox = 0; ox < outWidth; ox++) {
                        float sum = 0f;
                        for (int y = windows.rowFrom[oy]; y < windows.rowTo[oy]; y++) {
                            for (int x = windows.columnFrom[ox]; x < windows.columnTo[ox]; x++) {
                                sum += input[channelOffset + y * width + x];
                            }
                        }
                        output[out++] = sum / divisors[oy * outWidth + ox];
                    }
                }
            }
        }
    }

    private void backwardSamples(int from, int to) {
        for (int sample = from; sample < to; sample++) {
            int out = sample * outputSize;
            for (int c = 0; c < channels; c++) {
                int channelOffset = sample * inputSize + c * height * width;
                for (int oy = 0; oy < outHeight; oy++) {
                    for (int ox = 0; ox < outWidth; ox++) {
                        float share = outputGradient[out++] / divisors[oy * outWidth + ox];
                        for (int y = windows.rowFrom[oy]; y < windows.rowTo[oy]; y++) {
                            for (int x = windows.columnFrom[ox]; x < windows.columnTo[ox]; x++) {
                                inputGradient[channelOffset + y * width + x] += share;
                            }
                        }
                    }
                }
            }
        }
    }
}
