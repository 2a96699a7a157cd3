/**
 * The C-step solvers: for a vector x and a codebook family, the optimal (or, for Lloyd, locally
 * optimal) quantization Δ(Θ). Hosts that want their own solver implement
 * {@link io.github.lc4j.core.cstep.CStepSolverFactory} and pass it to
 * {@code Lc4j.builder().cStepSolvers(...)}; {@link io.github.lc4j.core.cstep.CStepSolvers} gives
 * the built-in ones, e.g. to delegate to.
 */
package io.github.lc4j.core.cstep;
