package io.github.lc4j.core.cstep;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.spi.CStepKernels;

/** Chooses the solver for a codebook family. */
public final class CStepSolvers {
    private CStepSolvers() {}

    /**
     * Returns the solver for {@code codebook}.
     *
     * @param seed    seed for k-means++ seeding (adaptive and partially fixed codebooks)
     * @param kernels the per-weight kernels of the backend where the weights live
     */
    public static CStepSolver forCodebook(Codebook codebook, long seed, CStepKernels kernels) {
        return codebook.accept(new Codebook.Visitor<CStepSolver>() {
            @Override
            public CStepSolver adaptive(Codebook.Adaptive adaptive) {
                return new KMeansSolver(adaptive.size(), new float[0], seed, kernels, adaptive.method());
            }

            @Override
            public CStepSolver fixed(Codebook.Fixed fixed) {
                return new FixedCodebookSolver(fixed.values(), kernels);
            }

            @Override
            public CStepSolver scaledFixed(Codebook.ScaledFixed scaled) {
                return new ScaledCodebookSolver(scaled.values(), kernels);
            }

            @Override
            public CStepSolver partiallyFixed(Codebook.PartiallyFixed partial) {
                return new KMeansSolver(
                        partial.learned(), partial.pinned(), seed, kernels, Codebook.Adaptive.Method.LLOYD);
            }

            @Override
            public CStepSolver choice(Codebook.Choice choice) {
                // the choice couples the groups through the bit budget: the run solves each
                // candidate with its own solver and then allocates (see BitAllocation)
                throw new IllegalArgumentException("a codebook choice (" + choice.describe()
                        + ") has no solver of its own; ask for one per candidate");
            }
        });
    }
}
