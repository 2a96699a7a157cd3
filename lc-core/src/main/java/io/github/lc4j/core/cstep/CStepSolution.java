package io.github.lc4j.core.cstep;

import static java.util.Objects.requireNonNull;

/**
 * The answer of a C step for one vector x: the effective codebook (sorted, distinct), the scale
 * (NaN unless the codebook is scaled), each value's assignment and the distortion ‖x − Δ(Θ)‖².
 *
 * @param values      the K effective codebook values, sorted and distinct
 * @param scale       the learned scale a, or NaN when the codebook has none
 * @param assignments index into {@code values} of each element of x
 * @param distortion  Σ (x_i − values[assignments[i]])²
 */
public record CStepSolution(float[] values, double scale, int[] assignments, double distortion) {

    /** Checks for nulls; the arrays are owned by the solution and must not be modified. */
    public CStepSolution {
        requireNonNull(values, "values is null");
        requireNonNull(assignments, "assignments is null");
    }

    /** Returns Δ(Θ): each element's codebook value. */
    public float[] reconstruction() {
        float[] quantized = new float[assignments.length];
        for (int i = 0; i < quantized.length; i++) {
            quantized[i] = values[assignments[i]];
        }
        return quantized;
    }
}
