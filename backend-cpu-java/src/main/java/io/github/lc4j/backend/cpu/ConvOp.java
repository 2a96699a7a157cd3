package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.Window;

/**
 * 2-D cross-correlation by im2col, group by group: each sample's input channels of one group
 * become a patch matrix P of shape [outH·outW, Cg·Kh·Kw] (column order matches the weight layout
 * [F, Cg, Kh, Kw], Cg = C / groups), and the group's Fg = F / groups filters multiply it. The forward pass
 * computes W·Pᵀ + b straight into the [F, outH·outW] output, its rows as wide as the output
 * image, where the vector loop pays; backward builds P again from the input instead of keeping
 * every sample's patches. Weight gradients are summed per fixed chunk of samples and the chunks
 * are added in order, so the result does not depend on the thread count.
 */
final class ConvOp extends Op {
    private static final int SAMPLE_CHUNK = 8;

    private final Parameter weight;
    private final Parameter bias;
    private final int channels;
    private final int height;
    private final int width;
    private final int filters;
    private final Window window;
    private final int groups;
    /** Input channels and filters of one group. */
    private final int groupChannels;

    private final int groupFilters;
    private final int outHeight;
    private final int outWidth;
    private final int patchCount;
    private final int patchSize;
    /** Each group's filters as rows, for the input gradient. */
    private final float[][][] filterRows;

    private float[][] partialWeights = new float[0][];
    private float[][] partialBiases = new float[0][];
    /** Each thread's buffers for one sample at a time. */
    private final ThreadLocal<SampleScratch> scratch = ThreadLocal.withInitial(SampleScratch::new);

    private final Parallel.RangeBody forwardSamples = this::forwardSamples;
    private final Parallel.RangeBody backwardChunk = this::backwardChunk;

    /** One thread's per-sample buffers, allocated on the thread's first sample. */
    private final class SampleScratch {
        /** Pᵀ: one row per weight position, one column per output pixel. */
        final float[][] patchColumns = Gemm.newRows(patchSize, patchCount);
        /** P: one row per output pixel. */
        final float[][] patchRows = Gemm.newRows(patchCount, patchSize);

        final float[] transposedGradient = new float[patchCount * groupFilters];
        final float[] patchGradient = new float[patchCount * patchSize];
    }

    ConvOp(int[] inputShape, int[] outputShape, Window window, int groups, Parameter weight, Parameter bias) {
        super(inputShape[0] * inputShape[1] * inputShape[2], outputShape[0] * outputShape[1] * outputShape[2]);
        this.channels = inputShape[0];
        this.height = inputShape[1];
        this.width = inputShape[2];
        this.filters = outputShape[0];
        this.outHeight = outputShape[1];
        this.outWidth = outputShape[2];
        this.window = window;
        this.groups = groups;
        this.groupChannels = channels / groups;
        this.groupFilters = filters / groups;
        this.weight = weight;
        this.bias = bias;
        this.patchCount = outHeight * outWidth;
        this.patchSize = groupChannels * window.kernelHeight() * window.kernelWidth();
        this.filterRows = new float[groups][][];
    }

    @Override
    void forward(float[] input, float[] output, int batch, Parallel parallel) {
        bind(input, output);
        parallel.forChunks(batch, 1, forwardSamples);
        unbind();
    }

    private void forwardSamples(int from, int to) {
        float[][] columns = scratch.get().patchColumns;
        float[] b = bias == null ? null : bias.value;
        for (int sample = from; sample < to; sample++) {
            int outputOffset = sample * outputSize;
            for (int group = 0; group < groups; group++) {
                im2colColumns(input, sample * inputSize, group, columns);
                Gemm.multiplyRows(
                        weight.value,
                        group * groupFilters * patchSize,
                        columns,
                        output,
                        outputOffset + group * groupFilters * patchCount,
                        0,
                        groupFilters,
                        patchSize,
                        patchCount,
                        false);
            }
            if (b == null) {
                continue;
            }
            for (int f = 0; f < filters; f++) {
                float biasValue = b[f];
                int row = outputOffset + f * patchCount;
                for (int p = 0; p < patchCount; p++) {
                    output[row + p] += biasValue;
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
        for (int group = 0; group < groups; group++) {
            filterRows[group] = Gemm.rows(
                    filterRows[group], weight.value, group * groupFilters * patchSize, groupFilters, patchSize);
        }
        bind(input, output, outputGradient, inputGradient);
        parallel.forChunks(batch, SAMPLE_CHUNK, backwardChunk);
        unbind();
        java.util.Arrays.fill(weight.gradient, 0f);
        if (bias != null) {
            java.util.Arrays.fill(bias.gradient, 0f);
        }
        for (int chunk = 0; chunk < chunks; chunk++) {
            Gemm.axpy(1f, partialWeights[chunk], 0, weight.gradient, 0, weight.gradient.length);
            if (bias != null) {
                Gemm.axpy(1f, partialBiases[chunk], 0, bias.gradient, 0, filters);
            }
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
            for (int group = 0; group < groups; group++) {
                int groupGradient = gradientOffset + group * groupFilters * patchCount;
                // P through Pᵀ: the row-by-row fill and a blocked transpose beat filling P directly
                im2colColumns(input, sample * inputSize, group, buffers.patchColumns);
                transpose(buffers.patchColumns, buffers.patchRows);
                Gemm.multiplyRows(
                        outputGradient,
                        groupGradient,
                        buffers.patchRows,
                        chunkWeights,
                        group * groupFilters * patchSize,
                        0,
                        groupFilters,
                        patchCount,
                        patchSize,
                        true);
                if (inputGradient != null) {
                    Gemm.transpose(
                            outputGradient, groupGradient, groupFilters, patchCount, buffers.transposedGradient, 0);
                    Gemm.multiplyRows(
                            buffers.transposedGradient,
                            0,
                            filterRows[group],
                            buffers.patchGradient,
                            0,
                            0,
                            patchCount,
                            groupFilters,
                            patchSize,
                            false);
                    col2im(buffers.patchGradient, inputGradient, sample * inputSize, group);
                }
            }
            for (int f = 0; f < filters; f++) {
                float sum = 0;
                for (int p = 0; p < patchCount; p++) {
                    sum += outputGradient[gradientOffset + f * patchCount + p];
                }
                chunkBiases[f] += sum;
            }
        }
    }

    /**
     * Writes the patches of one group of a sample's channels as Pᵀ ([Cg·Kh·Kw][outH·outW]; padding
     * reads as 0), row by row: each kernel tap's row holds its value at every output pixel, so the
     * writes are contiguous and, at stride 1, each output row is one copy from the input (filling
     * it column by column scattered one value into every row and took 3x as long).
     */
    private void im2colColumns(float[] input, int inputOffset, int group, float[][] columns) {
        int strideHeight = window.strideHeight();
        int strideWidth = window.strideWidth();
        int position = 0;
        for (int c = group * groupChannels; c < (group + 1) * groupChannels; c++) {
            int channelOffset = inputOffset + c * height * width;
            for (int ky = 0; ky < window.kernelHeight(); ky++) {
                int yShift = ky * window.dilationHeight() - window.padTop();
                for (int kx = 0; kx < window.kernelWidth(); kx++) {
                    int xShift = kx * window.dilationWidth() - window.padLeft();
                    float[] row = columns[position++];
                    // the output columns whose input column lies inside the map: [first, last)
                    int first = Math.max(0, ceilDivide(-xShift, strideWidth));
                    int last = Math.min(outWidth, Math.max(first, ceilDivide(width - xShift, strideWidth)));
                    int patch = 0;
                    for (int oy = 0; oy < outHeight; oy++) {
                        int y = oy * strideHeight + yShift;
                        if (y < 0 || y >= height) {
                            java.util.Arrays.fill(row, patch, patch + outWidth, 0f);
                            patch += outWidth;
                            continue;
                        }
                        int rowOffset = channelOffset + y * width + xShift;
                        java.util.Arrays.fill(row, patch, patch + first, 0f);
                        if (strideWidth == 1) {
                            System.arraycopy(input, rowOffset + first, row, patch + first, last - first);
                        } else {
                            for (int ox = first; ox < last; ox++) {
                                row[patch + ox] = input[rowOffset + ox * strideWidth];
                            }
                        }
                        java.util.Arrays.fill(row, patch + last, patch + outWidth, 0f);
                        patch += outWidth;
                    }
                }
            }
        }
    }

    /** Writes the transpose of {@code columns} ([patchSize][patchCount]) into {@code rows}, in cache-sized blocks. */
    private void transpose(float[][] columns, float[][] rows) {
        final int block = 16;
        for (int position = 0; position < patchSize; position += block) {
            int positionEnd = Math.min(patchSize, position + block);
            for (int patch = 0; patch < patchCount; patch += block) {
                int patchEnd = Math.min(patchCount, patch + block);
                for (int p = patch; p < patchEnd; p++) {
                    float[] row = rows[p];
                    for (int q = position; q < positionEnd; q++) {
                        row[q] = columns[q][p];
                    }
                }
            }
        }
    }

    /** ⌈a / b⌉ for b > 0 and any a. */
    private static int ceilDivide(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    private void col2im(float[] patchGradient, float[] inputGradient, int inputOffset, int group) {
        int kernelHeight = window.kernelHeight();
        int kernelWidth = window.kernelWidth();
        int index = 0;
        for (int oy = 0; oy < outHeight; oy++) {
            for (int ox = 0; ox < outWidth; ox++) {
                for (int c = group * groupChannels; c < (group + 1) * groupChannels; c++) {
                    int channelOffset = inputOffset + c * height * width;
                    for (int ky = 0; ky < kernelHeight; ky++) {
                        int y = oy * window.strideHeight() + ky * window.dilationHeight() - window.padTop();
                        for (int kx = 0; kx < kernelWidth; kx++) {
                            int x = ox * window.strideWidth() + kx * window.dilationWidth() - window.padLeft();
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
