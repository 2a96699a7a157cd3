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

    /**
     * Quantizes {@code x}, which differs little from the input of {@code previous}: the C step
     * the straight-through estimator takes after every minibatch, where a local improvement of
     * the previous solution is enough and a global solve per step would cost more than the step.
     * The default solves; adaptive codebooks run Lloyd from the previous codebook, on the values
     * as they lie (no sort).
     */
    default CStepSolution refine(float[] x, CStepSolution previous) {
        return solve(x, previous);
    }
}
