package io.github.lc4j.core.cstep;

/**
 * Solves the C step Θ = argmin ‖x − Δ(Θ)‖² for one compression group. Implementations are
 * stateless and thread-safe; randomness (k-means++ seeding) comes from a seed fixed at creation.
 */
public interface CStepSolver {

    /**
     * Quantizes {@code x}.
     *
     * @param x        the C step's input, w − λ/μ; finite values (checked by the caller)
     * @param previous the previous solution for warm starts, or {@code null}
     * @return the solution; its values are sorted and distinct
     */
    CStepSolution solve(float[] x, CStepSolution previous);
}
