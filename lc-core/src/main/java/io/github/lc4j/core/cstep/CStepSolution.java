package io.github.lc4j.core.cstep;

import static java.util.Objects.requireNonNull;

/**
 * The answer of a C step for one vector x: the effective codebook (sorted, distinct), the scale
 * (NaN unless the codebook is scaled), each value's assignment, the reconstruction Δ(Θ) and the
 * distortion ‖x − Δ(Θ)‖².
 *
 * @param values         the K effective codebook values, sorted and distinct
 * @param scale          the learned scale a, or NaN when the codebook has none
 * @param assignments    index into {@code values} of each element of x
 * @param reconstruction Δ(Θ): {@code values[assignments[i]]} for each element
 * @param distortion     Σ (x_i − values[assignments[i]])²
 */
public record CStepSolution(
        float[] values, double scale, int[] assignments, float[] reconstruction, double distortion) {

    /** Checks for nulls and sizes; the arrays are owned by the solution and must not be modified. */
    public CStepSolution {
        requireNonNull(values, "values is null");
        requireNonNull(assignments, "assignments is null");
        requireNonNull(reconstruction, "reconstruction is null");
        io.github.lc4j.api.support.Checks.checkArgument(
                reconstruction.length == assignments.length,
                "reconstruction has %d values for %d assignments",
                reconstruction.length,
                assignments.length);
    }
}
