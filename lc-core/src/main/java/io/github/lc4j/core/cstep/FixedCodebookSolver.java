package io.github.lc4j.core.cstep;

import io.github.lc4j.api.spi.CStepKernels;

/** A fixed codebook: nothing to learn, each value goes to its nearest entry. */
final class FixedCodebookSolver implements CStepSolver {
    private final float[] values;
    private final CStepKernels kernels;

    /** Creates a solver for the sorted distinct {@code values}. */
    FixedCodebookSolver(float[] values, CStepKernels kernels) {
        this.values = values.clone();
        this.kernels = kernels;
    }

    @Override
    public CStepSolution solve(float[] x, CStepSolution previous) {
        return Codebooks.finish(x, values.clone(), Double.NaN, kernels);
    }
}
