package io.github.lc4j.spark;

import java.io.Serializable;

/**
 * What executors send back in one round, summed across partitions by {@code treeAggregate}: per
 * parameter, sample-weighted sums (gradients in sync mode; weights and momentum when averaging),
 * and per minibatch the loss sum and sample count. Sums are in double, so that a weight n times a
 * float value is exact and one partition's contribution divides back to the same float.
 */
final class Sums implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Per parameter (model order, then momentum after weights when averaging); null until a partition adds. */
    double[][] values;

    double[] lossSums;
    long[] counts;
    /** Samples behind {@link #values}. */
    long samples;

    Sums(int minibatches) {
        lossSums = new double[minibatches];
        counts = new long[minibatches];
    }

    /** Adds {@code weight · arrays[p]} to {@link #values}. */
    void addScaled(float[][] arrays, long weight) {
        if (values == null) {
            values = new double[arrays.length][];
            for (int p = 0; p < arrays.length; p++) {
                values[p] = new double[arrays[p].length];
            }
        }
        for (int p = 0; p < arrays.length; p++) {
            double[] sum = values[p];
            float[] array = arrays[p];
            for (int i = 0; i < array.length; i++) {
                sum[i] += weight * (double) array[i];
            }
        }
        samples += weight;
    }

    /** Adds {@code other} into this and returns this. */
    Sums merge(Sums other) {
        if (other.values != null) {
            if (values == null) {
                values = other.values;
            } else {
                for (int p = 0; p < values.length; p++) {
                    double[] sum = values[p];
                    double[] add = other.values[p];
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] += add[i];
                    }
                }
            }
        }
        for (int b = 0; b < lossSums.length; b++) {
            lossSums[b] += other.lossSums[b];
            counts[b] += other.counts[b];
        }
        samples += other.samples;
        return this;
    }

    /** Returns {@code values[p] / samples} as floats. */
    float[] mean(int p) {
        double[] sum = values[p];
        float[] mean = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = (float) (sum[i] / samples);
        }
        return mean;
    }

    /** Returns the bytes a partition's result carries: its sums and counters. */
    long payloadBytes() {
        long bytes = 16L * lossSums.length + 8;
        if (values != null) {
            for (double[] value : values) {
                bytes += 8L * value.length;
            }
        }
        return bytes;
    }
}
