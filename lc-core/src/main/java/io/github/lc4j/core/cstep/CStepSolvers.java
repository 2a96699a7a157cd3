package io.github.lc4j.core.cstep;

import io.github.lc4j.api.CStepKernels;
import io.github.lc4j.api.Codebook;

/** Chooses the solver for a codebook family. */
public final class CStepSolvers {
    private CStepSolvers() {
    }

    /**
     * Returns the solver for {@code codebook}.
     *
     * @param seed    seed for k-means++ seeding (adaptive and partially fixed codebooks)
     * @param kernels the per-weight kernels of the backend where the weights live
     */
    public static CStepSolver forCodebook(Codebook codebook, long seed, CStepKernels kernels) {
        if (codebook instanceof Codebook.Adaptive adaptive) {
            return new KMeansSolver(adaptive.size(), new float[0], seed, kernels, adaptive.method());
        } else if (codebook instanceof Codebook.PartiallyFixed partial) {
            return new KMeansSolver(partial.learned(), partial.pinned(), seed, kernels, Codebook.Adaptive.Method.LLOYD);
        } else if (codebook instanceof Codebook.Fixed fixed) {
            return new FixedCodebookSolver(fixed.values(), kernels);
        } else if (codebook instanceof Codebook.ScaledFixed scaled) {
            return new ScaledCodebookSolver(scaled.values(), kernels);
        }
        throw new IllegalArgumentException("no C-step solver for codebook " + codebook);
    }
}
