package io.github.lc4j.core.cstep;

import io.github.lc4j.api.spi.CStepKernels;
import java.util.Arrays;

/** Helpers shared by the solvers: finishing a solution and making value lists valid codebooks. */
final class Codebooks {
    private Codebooks() {}

    /** Assigns every x to its nearest value and measures the distortion. */
    static CStepSolution finish(float[] x, float[] values, double scale, CStepKernels kernels) {
        int[] assignments = new int[x.length];
        kernels.assign(x, values, assignments);
        float[] quantized = new float[x.length];
        kernels.reconstruct(assignments, values, quantized);
        return new CStepSolution(values, scale, assignments, quantized, kernels.distortion(x, quantized));
    }

    /**
     * Rounds sorted double centroids to floats and keeps them strictly increasing: two centroids
     * that round to one float are pushed apart by one ulp. That only happens for clusters that
     * are empty or coincide, and keeps the codebook's size K.
     */
    static float[] toDistinctFloats(double[] centroids) {
        double[] ordered = centroids.clone();
        Arrays.sort(ordered);
        float[] values = new float[ordered.length];
        for (int k = 0; k < ordered.length; k++) {
            float value = (float) ordered[k];
            if (value == 0.0f) {
                value = 0.0f; // no -0.0
            }
            if (k > 0 && value <= values[k - 1]) {
                value = Math.nextUp(values[k - 1]);
            }
            values[k] = value;
        }
        return values;
    }
}
