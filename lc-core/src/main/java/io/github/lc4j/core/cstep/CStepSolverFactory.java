package io.github.lc4j.core.cstep;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.spi.CStepKernels;

/** Makes the C-step solver of a codebook; bound in Guice so a host can plug in its own. */
@FunctionalInterface
public interface CStepSolverFactory {

    /** The built-in solvers of {@link CStepSolvers}. */
    CStepSolverFactory DEFAULT = CStepSolvers::forCodebook;

    /** Returns the solver for {@code codebook}, seeded with {@code seed}, using {@code kernels}. */
    CStepSolver solverFor(Codebook codebook, long seed, CStepKernels kernels);
}
