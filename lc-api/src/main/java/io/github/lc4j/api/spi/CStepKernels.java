package io.github.lc4j.api.spi;

import static io.github.lc4j.api.support.Checks.checkArgument;

/**
 * The data-parallel pieces of the C step, run where the weights live. The defaults are the
 * pure-Java reference; a backend that overrides one must return identical assignments and
 * reconstructions and multipliers within 1 ulp.
 */
public interface CStepKernels {

    /** The pure-Java reference kernels. */
    CStepKernels DEFAULT = new CStepKernels() {};

    /**
     * Writes into {@code assignments} the index of the nearest entry of the sorted {@code codebook}
     * for each {@code x}; a value exactly between two entries goes to the lower one.
     */
    default void assign(float[] x, float[] codebook, int[] assignments) {
        checkArgument(
                assignments.length == x.length,
                "assignments have %d slots for %d values",
                assignments.length,
                x.length);
        double[] midpoints = midpoints(codebook);
        if (midpoints.length <= 16) {
            // counting the midpoints below x has no data-dependent branch, unlike a binary search
            for (int i = 0; i < x.length; i++) {
                double value = x[i];
                int index = 0;
                for (double midpoint : midpoints) {
                    index += value > midpoint ? 1 : 0;
                }
                assignments[i] = index;
            }
        } else {
            for (int i = 0; i < x.length; i++) {
                assignments[i] = nearestByMidpoints(midpoints, x[i]);
            }
        }
    }

    /** Writes {@code codebook[assignments[i]]} into {@code quantized[i]}: Δ(Θ). */
    default void reconstruct(int[] assignments, float[] codebook, float[] quantized) {
        checkArgument(
                assignments.length == quantized.length,
                "output has %d slots for %d assignments",
                quantized.length,
                assignments.length);
        for (int i = 0; i < assignments.length; i++) {
            quantized[i] = codebook[assignments[i]];
        }
    }

    /** Updates the multipliers in place: λ ← λ − μ (w − Δ(Θ)). */
    default void updateMultipliers(float[] multipliers, float[] weights, float[] quantized, double mu) {
        checkArgument(
                multipliers.length == weights.length && weights.length == quantized.length,
                "multiplier update needs equal lengths, got %d, %d, %d",
                multipliers.length,
                weights.length,
                quantized.length);
        for (int i = 0; i < weights.length; i++) {
            multipliers[i] = (float) (multipliers[i] - mu * ((double) weights[i] - quantized[i]));
        }
    }

    /** Writes {@code w − λ/μ} (the C step's input) into {@code shifted}. */
    default void shiftedWeights(float[] weights, float[] multipliers, double mu, float[] shifted) {
        checkArgument(
                multipliers.length == weights.length && weights.length == shifted.length,
                "shifted weights need equal lengths, got %d, %d, %d",
                weights.length,
                multipliers.length,
                shifted.length);
        for (int i = 0; i < weights.length; i++) {
            shifted[i] = (float) (weights[i] - multipliers[i] / mu);
        }
    }

    /** Writes {@code Δ(Θ) + λ/μ} (the L step's penalty target) into {@code target}. */
    default void penaltyTarget(float[] quantized, float[] multipliers, double mu, float[] target) {
        checkArgument(
                multipliers.length == quantized.length && quantized.length == target.length,
                "penalty target needs equal lengths, got %d, %d, %d",
                quantized.length,
                multipliers.length,
                target.length);
        for (int i = 0; i < quantized.length; i++) {
            target[i] = (float) (quantized[i] + multipliers[i] / mu);
        }
    }

    /** Returns Σ (x_i − q_i)², accumulated in double. */
    default double distortion(float[] x, float[] quantized) {
        checkArgument(
                x.length == quantized.length,
                "distortion needs equal lengths, got %d and %d",
                x.length,
                quantized.length);
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double difference = (double) x[i] - quantized[i];
            sum += difference * difference;
        }
        return sum;
    }

    /** Returns the midpoints between consecutive sorted codebook entries, exact in double. */
    static double[] midpoints(float[] codebook) {
        double[] midpoints = new double[codebook.length - 1];
        for (int k = 0; k < midpoints.length; k++) {
            checkArgument(
                    codebook[k] < codebook[k + 1],
                    "codebook must be sorted and distinct at index %d: %s, %s",
                    k,
                    codebook[k],
                    codebook[k + 1]);
            midpoints[k] = ((double) codebook[k] + codebook[k + 1]) / 2;
        }
        return midpoints;
    }

    /** Returns the index of the nearest entry given the midpoints; ties go to the lower entry. */
    static int nearestByMidpoints(double[] midpoints, float value) {
        int low = 0;
        int high = midpoints.length;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (value <= midpoints[middle]) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        return low;
    }
}
