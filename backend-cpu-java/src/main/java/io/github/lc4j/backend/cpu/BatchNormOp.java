package io.github.lc4j.backend.cpu;

/**
 * Batch normalization per channel (axis 0 of a sample). Training normalizes with the batch's mean
 * and biased variance, keeps the normalized values for backward, and moves the running
 * statistics (unbiased variance); inference uses the running statistics. Each channel's sums run
 * in one thread, in a fixed order, so the numbers do not depend on the thread count.
 */
final class BatchNormOp implements Kernel {
    private final int channels;
    /** Values per channel per sample: H·W for a map, 1 for a vector. */
    private final int spatial;

    private final int sampleSize;
    private final double epsilon;
    private final double momentum;
    private final Parameter scale;
    private final Parameter shift;
    private final Parameter runningMean;
    private final Parameter runningVariance;
    /** 1/√(v + ε) per channel, of the last training pass. */
    private final float[] inverseDeviation;

    private float[] normalized = new float[0];
    private final Parallel.RangeBody trainChannels = this::trainChannels;
    private final Parallel.RangeBody inferChannels = this::inferChannels;
    private final Parallel.RangeBody backwardChannels = this::backwardChannels;
    // the running call's arrays, read by the loop bodies
    private float[] input;
    private float[] output;
    private float[] outputGradient;
    private float[] inputGradient;
    private int batch;

    BatchNormOp(
            int[] shape,
            double epsilon,
            double momentum,
            Parameter scale,
            Parameter shift,
            Parameter runningMean,
            Parameter runningVariance) {
        this.channels = shape[0];
        int size = 1;
        for (int dimension : shape) {
            size *= dimension;
        }
        this.sampleSize = size;
        this.spatial = size / channels;
        this.epsilon = epsilon;
        this.momentum = momentum;
        this.scale = scale;
        this.shift = shift;
        this.runningMean = runningMean;
        this.runningVariance = runningVariance;
        this.inverseDeviation = new float[channels];
    }

    @Override
    public void forward(float[][] inputs, float[] output, int batch, boolean training, Parallel parallel) {
        this.input = inputs[0];
        this.output = output;
        this.batch = batch;
        if (training) {
            if (normalized.length < batch * sampleSize) {
                normalized = new float[batch * sampleSize];
            }
            parallel.forChunks(channels, 1, trainChannels);
        } else {
            parallel.forChunks(channels, 1, inferChannels);
        }
        this.input = null;
        this.output = null;
    }

    private void trainChannels(int from, int to) {
        long count = (long) batch * spatial;
        for (int c = from; c < to; c++) {
            double sum = 0;
            for (int sample = 0; sample < batch; sample++) {
                int offset = sample * sampleSize + c * spatial;
                for (int i = 0; i < spatial; i++) {
                    sum += input[offset + i];
                }
            }
            double mean = sum / count;
            double squares = 0;
            for (int sample = 0; sample < batch; sample++) {
                int offset = sample * sampleSize + c * spatial;
                for (int i = 0; i < spatial; i++) {
                    double centered = input[offset + i] - mean;
                    squares += centered * centered;
                }
            }
            double variance = squares / count;
            float inverse = (float) (1 / Math.sqrt(variance + epsilon));
            inverseDeviation[c] = inverse;
            float gamma = scale.value[c];
            float beta = shift.value[c];
            float center = (float) mean;
            for (int sample = 0; sample < batch; sample++) {
                int offset = sample * sampleSize + c * spatial;
                for (int i = 0; i < spatial; i++) {
                    float xHat = (input[offset + i] - center) * inverse;
                    normalized[offset + i] = xHat;
                    output[offset + i] = gamma * xHat + beta;
                }
            }
            double unbiased = count > 1 ? variance * count / (count - 1) : variance;
            runningMean.value[c] = (float) (momentum * runningMean.value[c] + (1 - momentum) * mean);
            runningVariance.value[c] = (float) (momentum * runningVariance.value[c] + (1 - momentum) * unbiased);
        }
    }

    private void inferChannels(int from, int to) {
        for (int c = from; c < to; c++) {
            float inverse = (float) (1 / Math.sqrt(runningVariance.value[c] + epsilon));
            float gamma = scale.value[c] * inverse;
            float beta = shift.value[c] - runningMean.value[c] * gamma;
            for (int sample = 0; sample < batch; sample++) {
                int offset = sample * sampleSize + c * spatial;
                for (int i = 0; i < spatial; i++) {
                    output[offset + i] = gamma * input[offset + i] + beta;
                }
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
        this.outputGradient = outputGradient;
        this.inputGradient = inputGradients[0];
        this.batch = batch;
        parallel.forChunks(channels, 1, backwardChannels);
        this.outputGradient = null;
        this.inputGradient = null;
    }

    /** dγ = Σ dy·x̂, dβ = Σ dy, dx = γ/(σ·M)·(M·dy − dβ − x̂·dγ) over the M values of a channel. */
    private void backwardChannels(int from, int to) {
        long count = (long) batch * spatial;
        for (int c = from; c < to; c++) {
            double scaleSum = 0;
            double shiftSum = 0;
            for (int sample = 0; sample < batch; sample++) {
                int offset = sample * sampleSize + c * spatial;
                for (int i = 0; i < spatial; i++) {
                    float dy = outputGradient[offset + i];
                    scaleSum += dy * normalized[offset + i];
                    shiftSum += dy;
                }
            }
            scale.gradient[c] = (float) scaleSum;
            shift.gradient[c] = (float) shiftSum;
            if (inputGradient == null) {
                continue;
            }
            float factor = scale.value[c] * inverseDeviation[c] / count;
            float scaleGradient = (float) scaleSum;
            float shiftGradient = (float) shiftSum;
            for (int sample = 0; sample < batch; sample++) {
                int offset = sample * sampleSize + c * spatial;
                for (int i = 0; i < spatial; i++) {
                    inputGradient[offset + i] = factor
                            * (count * outputGradient[offset + i]
                                    - shiftGradient
                                    - normalized[offset + i] * scaleGradient);
                }
            }
        }
    }
}
