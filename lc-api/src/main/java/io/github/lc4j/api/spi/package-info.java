/**
 * What backend authors implement, and what lc-core calls: a
 * {@link io.github.lc4j.api.spi.BackendProvider} registered in
 * {@code META-INF/services/io.github.lc4j.api.spi.BackendProvider} creates a
 * {@link io.github.lc4j.api.spi.Backend}, which makes {@link io.github.lc4j.api.spi.Trainer}s and
 * {@link io.github.lc4j.api.spi.Evaluator}s and offers {@link io.github.lc4j.api.spi.CStepKernels}.
 *
 * <p>A backend extends {@link io.github.lc4j.api.spi.BaseTrainer} (and, for a cheaper inference
 * path, {@link io.github.lc4j.api.spi.BaseEvaluator}), which own the protocol: lifecycle, argument
 * checks, penalty targets and μ, the order of a step and the update rule of
 * {@link io.github.lc4j.api.spi.TrainerOptions}. The backend supplies the device primitives and
 * dispatches over a graph's nodes with {@link io.github.lc4j.api.Op.Visitor}. The conformance suite in
 * {@code backend-tck} checks every backend against this contract.
 */
package io.github.lc4j.api.spi;
