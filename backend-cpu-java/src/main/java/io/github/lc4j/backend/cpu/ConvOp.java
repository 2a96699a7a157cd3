package io.github.lc4j.backend.cpu;

/**
 * 2-D cross-correlation by im2col: each sample's input becomes a patch matrix P of shape
 * [outH·outW, C·K·K] (column order matches the weight layout [F, C, K, K]); the output is
 * (P·Wᵀ)ᵀ + b. Weight gradients are summed per fixed chunk of samples and the chunks are added
 * in order, so the result does not depend on the thread count.
 */
final class ConvOp extends Op {
    private static final int SAMPLE_CHUNK = 8;

    private final Parameter weight;
    private final Parameter bias;
    private final int channels;
    private final int height;
    private final int width;
    private final int filters;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int outHeight;
    private final int outWidth;
    private final int patchCount;
    private final int patchSize;
    private float[] patches = new float[0];
    private final float[] weightTransposed;
    private float[][] weightRows;
    private float[][] filterRows;
    private float[][] partialWeights = new float[0][];
    private float[][] partialBiases = new float[0][];
    /** Each thread's buffers for one sample at a time. */
    private final ThreadLocal<SampleScratch> scratch = ThreadLocal.withInitial(SampleScratch::new);

    private final Parallel.RangeBody forwardSamples = this::forwardSamples;
    private final Parallel.RangeBody backwardChunk = this::backwardChunk;
    // the arrays of the running call, read by the loop bodies
    private float[] input;
    private float[] output;
    private float[] outputGradient;
    private float[] inputGradient;

    /** One thread's per-sample buffers, allocated on the thread's first sample. */
    private final class SampleScratch {
        final float[] transposedOutput = new float[patchCount * filters];
        final float[] transposedGradient = new float[patchCount * filters];
        final float[] patchGradient = new float[patchCount * patchSize];
        float[][] patchRows;
    }

    ConvOp(int[] inputShape, int[] outputShape, int kernel, int stride, int padding, Parameter weight, Parameter bias) {
        super(inputShape[0] * inputShape[1] * inputShape[2], outputShape[0] * outputShape[1] * outputShape[2]);
        this.channels = inputShape[0];
        this.height = inputShape[1];
        this.width = inputShape[2];
        this.filters = outputShape[0];
        this.outHeight = outputShape[1];
        this.outWidth = outputShape[2];
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.weight = weight;
        this.bias = bias;
        this.patchCount = outHeight * outWidth;
        this.patchSize = channels * kernel * kernel;
        this.weightTransposed = new float[patchSize * filters];
    }

    @Override
    void forward(float[] input, float[] output, int batch, Parallel parallel) {
        if (patches.length < batch * patchCount * patchSize) {
            patches = new float[batch * patchCount * patchSize];
        }
        Gemm.transpose(weight.value, 0, filters, patchSize, weightTransposed, 0);
        weightRows = Gemm.rows(weightRows, weightTransposed, 0, patchSize, filters);
        this.input = input;
        this.output = output;
        parallel.forChunks(batch, 1, forwardSamples);
        this.input = null;
        this.output = null;
    }

    private void forwardSamples(int from, int to) {
        float[] transposedOutput = scratch.get().transposedOutput;
        float[] b = bias.value;
        for (int sample = from; sample < to; sample++) {
            int patchOffset = sample * patchCount * patchSize;
            im2col(input, sample * inputSize, patches, patchOffset);
            Gemm.multiplyRows(
                    patches, patchOffset, weightRows, transposedOutput, 0, 0, patchCount, patchSize, filters, false);
            int outputOffset = sample * outputSize;
            for (int f = 0; f < filters; f++) {
                float biasValue = b[f];
                for (int p = 0; p < patchCount; p++) {
                    output[outputOffset + f * patchCount + p] = transposedOutput[p * filters + f] + biasValue;
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
        int chunks = (batch + SAMPLE_CHUNK - 1) / SAMPLE_CHUNK;
        if (partialWeights.length < chunks) {
            partialWeights = new float[chunks][filters * patchSize];
            partialBiases = new float[chunks][filters];
        }
        filterRows = Gemm.rows(filterRows, weight.value, 0, filters, patchSize);
        this.outputGradient = outputGradient;
        this.inputGradient = inputGradient;
        parallel.forChunks(batch, SAMPLE_CHUNK, backwardChunk);
        this.outputGradient = null;
        this.inputGradient = null;
        java.util.Arrays.fill(weight.gradient, 0f);
        java.util.Arrays.fill(bias.gradient, 0f);
        for (int chunk = 0; chunk < chunks; chunk++) {
            Gemm.axpy(1f, partialWeights[chunk], 0, weight.gradient, 0, weight.gradient.length);
            Gemm.axpy(1f, partialBiases[chunk], 0, bias.gradient, 0, filters);
        }
    }

    private void backwardChunk(int from, int to) {
        int chunk = from / SAMPLE_CHUNK;
        float[] chunkWeights = partialWeights[chunk];
        float[] chunkBiases = partialBiases[chunk];
        java.util.Arrays.fill(chunkWeights, 0f);
        java.util.Arrays.fill(chunkBiases, 0f);
        SampleScratch buffers = scratch.get();
        for (int sample = from; sample < to; sample++) {
            int gradientOffset = sample * outputSize;
            int patchOffset = sample * patchCount * patchSize;
            buffers.patchRows = Gemm.rows(buffers.patchRows, patches, patchOffset, patchCount, patchSize);
            Gemm.multiplyRows(
                    outputGradient,
                    gradientOffset,
                    buffers.patchRows,
                    chunkWeights,
                    0,
                    0,
                    filters,
                    patchCount,
                    patchSize,
                    true);
            for (int f = 0; f < filters; f++) {
                float sum = 0;
                for (int p = 0; p < patchCount; p++) {
                    sum += outputGradient[gradientOffset + f * patchCount + p];
                }
                chunkBiases[f] += sum;
            }
            if (inputGradient != null) {
                Gemm.transpose(outputGradient, gradientOffset, filters, patchCount, buffers.transposedGradient, 0);
                Gemm.multiplyRows(
                        buffers.transposedGradient,
                        0,
                        filterRows,
                        buffers.patchGradient,
                        0,
                        0,
                        patchCount,
                        filters,
                        patchSize,
                        false);
                col2im(buffers.patchGradient, inputGradient, sample * inputSize);
            }
        }
    }

    private void im2col(float[] input, int inputOffset, float[] target, int targetOffset) {
        int index = targetOffset;
        for (int oy = 0; oy < outHeight; oy++) {
            for (int ox = 0; ox < outWidth; ox++) {
                for (int c = 0; c < channels; c++) {
                    int channelOffset = inputOffset + c * height * width;
                    for (int ky = 0; ky < kernel; ky++) {
                        int y = oy * stride + ky - padding;
                        for (int kx = 0; kx < kernel; kx++) {
                            int x = ox * stride + kx - padding;
                            target[index++] = y >= 0 && y < height && x >= 0 && x < width
                                    ? input[channelOffset + y * width + x]
                                    : 0f;
                        }
                    }
                }
            }
        }
    }

    private void col2im(float[] patchGradient, float[] inputGradient, int inputOffset) {
        int index = 0;
        for (int oy = 0; oy < outHeight; oy++) {
            for (int ox = 0; ox < outWidth; ox++) {
                for (int c = 0; c < channels; c++) {
                    int channelOffset = inputOffset + c * height * width;
                    for (int ky = 0; ky < kernel; ky++) {
                        int y = oy * stride + ky - padding;
                        for (int kx = 0; kx < kernel; kx++) {
                            int x = ox * stride + kx - padding;
                            if (y >= 0 && y < height && x >= 0 && x < width) {
                                inputGradient[channelOffset + y * width + x] += patchGradient[index];
                            }
                            index++;
                        }
                    }
                }
            }
        }
    }
}
