package io.github.lc4j.spark;

import java.io.Serializable;

/**
 * What executors send back in one round, summed across partitions by {@code treeAggregate}: per
 * parameter, sample-weighted sums (gradients in sync mode; weights and momentum when averaging),
 * and per minibatch the loss sum and sample count. A partition sends its float arrays and their
 * weight (half the bytes of doubles); merging two turns them into double sums, in which a float
 * times its sample count is exact, so one partition's contribution divides back to the same float.
 */
final class Sums implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One partition's arrays (model order, then momentum after weights when averaging), before any merge. */
    private float[][] single;
    /** The sample-weighted sums once two partitions merged. */
    private double[][] sums;

    final double[] lossSums;
    final long[] counts;
    /** Samples behind the arrays. */
    private long samples;

    Sums(int minibatches) {
        lossSums = new double[minibatches];
        counts = new long[minibatches];
    }

    /** Sets this partition's arrays, standing for {@code weight} samples. */
    void set(float[][] arrays, long weight) {
        single = arrays;
        samples = weight;
    }

    /** Adds {@code other} into this and returns this. */
    Sums merge(Sums other) {
        if (other.samples > 0) {
            if (samples == 0) {
                single = other.single;
                sums = other.sums;
            } else {
                toSums();
                other.addTo(sums);
            }
            samples += other.samples;
        }
        for (int b = 0; b < lossSums.length; b++) {
            lossSums[b] += other.lossSums[b];
            counts[b] += other.counts[b];
        }
        return this;
    }

    private void toSums() {
        if (sums == null) {
            sums = new double[single.length][];
            for (int p = 0; p < single.length; p++) {
                sums[p] = new double[single[p].length];
            }
            addTo(sums);
            single = null;
        }
    }

    private void addTo(double[][] target) {
        for (int p = 0; p < target.length; p++) {
            double[] sum = target[p];
            if (single != null) {
                float[] values = single[p];
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += samples * (double) values[i];
                }
            } else {
                double[] values = sums[p];
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += values[i];
                }
            }
        }
    }

    /** Returns the sample-weighted mean of array {@code p}. */
    float[] mean(int p) {
        if (single != null) {
            return single[p].clone();
        }
        double[] sum = sums[p];
        float[] mean = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = (float) (sum[i] / samples);
        }
        return mean;
    }

    /** Returns the bytes one partition's result carries: its float arrays and counters. */
    long partitionPayloadBytes() {
        long bytes = 16L * lossSums.length + 8;
        if (single != null) {
            for (float[] values : single) {
                bytes += 4L * values.length;
            }
        } else if (sums != null) {
            for (double[] values : sums) {
                bytes += 4L * values.length;
            }
        }
        return bytes;
    }
}
