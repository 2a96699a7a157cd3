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
    private final Window window;
    private final boolean countIncludePad;
    private final Parallel.RangeBody forwardSamples = this::forwardSamples;
    private final Parallel.RangeBody backwardSamples = this::backwardSamples;

    AveragePoolOp(int[] inputShape, int[] outputShape, Window window, boolean countIncludePad) {
        super(inputShape[0] * inputShape[1] * inputShape[2], outputShape[0] * outputShape[1] * outputShape[2]);
        this.channels = inputShape[0];
        this.height = inputShape[1];
        this.width = inputShape[2];
        this.outHeight = outputShape[1];
        this.outWidth = outputShape[2];
        this.window = window;
        this.countIncludePad = countIncludePad;
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
                    int y0 = oy * window.strideHeight() - window.padTop();
                    int yFrom = Math.max(0, y0);
                    int yTo = Math.min(height, y0 + window.kernelHeight());
                    for (int ox = 0; ox < outWidth; ox++) {
                        int x0 = ox * window.strideWidth() - window.padLeft();
                        int xFrom = Math.max(0, x0);
                        int xTo = Math.min(width, x0 + window.kernelWidth());
                        float sum = 0f;
                        for (int y = yFrom; y < yTo; y++) {
                            for (int x = xFrom; x < xTo; x++) {
                                sum += input[channelOffset + y * width + x];
                            }
                        }
                        output[out++] = sum / divisor(y0, x0, yFrom, yTo, xFrom, xTo);
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
                    int y0 = oy * window.strideHeight() - window.padTop();
                    int yFrom = Math.max(0, y0);
                    int yTo = Math.min(height, y0 + window.kernelHeight());
                    for (int ox = 0; ox < outWidth; ox++) {
                        int x0 = ox * window.strideWidth() - window.padLeft();
                        int xFrom = Math.max(0, x0);
                        int xTo = Math.min(width, x0 + window.kernelWidth());
                        float share = outputGradient[out++] / divisor(y0, x0, yFrom, yTo, xFrom, xTo);
                        for (int y = yFrom; y < yTo; y++) {
                            for (int x = xFrom; x < xTo; x++) {
                                inputGradient[channelOffset + y * width + x] += share;
                            }
                        }
                    }
                }
            }
        }
    }

    /** The divisor of one window: all its positions inside the padded input, or only those inside the input. */
    private float divisor(int y0, int x0, int yFrom, int yTo, int xFrom, int xTo) {
        if (!countIncludePad) {
            return (yTo - yFrom) * (xTo - xFrom);
        }
        int paddedHeight = Math.min(height + window.padBottom(), y0 + window.kernelHeight()) - y0;
        int paddedWidth = Math.min(width + window.padRight(), x0 + window.kernelWidth()) - x0;
        return paddedHeight * paddedWidth;
    }
}
