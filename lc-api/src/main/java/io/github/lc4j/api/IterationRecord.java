package io.github.lc4j.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What happened in one LC iteration; iteration 0 is direct compression (the C step on the
 * reference, before any L step). Losses and errors are those of the quantized net Δ(Θ).
 *
 * @param iteration           0 for DC, then 1, 2, …
 * @param mu                  μ of this iteration (0 for DC)
 * @param learningRate        learning rate of the L step (0 for DC)
 * @param lStepLoss           mean minibatch cross-entropy of the continuous net during the L step (NaN for DC)
 * @param constraintViolation ‖w − Δ(Θ)‖ over all compressed weights after the C step
 * @param multiplierNorm      ‖λ‖ after the multiplier update
 * @param weightNorm          ‖w‖ over all compressed weights (the scale of the convergence test)
 * @param assignmentChanges   compressed weights whose codebook entry changed since the previous
 *                            iteration (−1 for DC, which has no previous one)
 * @param train               evaluation of the quantized net on the training set
 * @param test                evaluation of the quantized net on the test set
 * @param codebooks           each task's effective codebook values (copied)
 * @param choices             the codebook each choosing task settled on at this C step, by task
 *                            (e.g. {@code adaptive:4}); empty when no task chooses
 * @param compressionRatio    ρ of Δ(Θ) with those choices
 * @param lStepMillis         wall time of the L step (or the baseline's training), checkpoints
 *                            written during it excluded
 * @param cStepMillis         wall time of the C step and multiplier update
 * @param evaluationMillis    wall time of the evaluation
 * @param dataMillis          the part of {@code lStepMillis} the steps waited for minibatches to
 *                            be gathered (0 where a cluster gathers them)
 */
public record IterationRecord(
        int iteration,
        double mu,
        double learningRate,
        double lStepLoss,
        double constraintViolation,
        double multiplierNorm,
        double weightNorm,
        long assignmentChanges,
        Evaluation train,
        Evaluation test,
        Map<String, float[]> codebooks,
        Map<String, String> choices,
        double compressionRatio,
        long lStepMillis,
        long cStepMillis,
        long evaluationMillis,
        long dataMillis) {

    /**
     * Returns whether LC has converged at this iteration with relative tolerance {@code tolerance}:
     * ‖w − Δ(Θ)‖ ≤ tolerance·‖w‖ and no assignment changed. DC (iteration 0) never has.
     */
    public boolean converged(double tolerance) {
        return iteration > 0 && assignmentChanges == 0 && constraintViolation <= tolerance * weightNorm;
    }

    /** Returns this record with {@code evaluation} as its training-set evaluation. */
    public IterationRecord withTrain(Evaluation evaluation) {
        return new IterationRecord(
                iteration,
                mu,
                learningRate,
                lStepLoss,
                constraintViolation,
                multiplierNorm,
                weightNorm,
                assignmentChanges,
                evaluation,
                test,
                codebooks,
                choices,
                compressionRatio,
                lStepMillis,
                cStepMillis,
                evaluationMillis,
                dataMillis);
    }

    /** Copies the codebooks and choices (a null {@code choices}, as in older checkpoints, is empty). */
    public IterationRecord {
        Map<String, float[]> copies = new LinkedHashMap<>();
        codebooks.forEach((name, values) -> copies.put(name, values.clone()));
        codebooks = java.util.Collections.unmodifiableMap(copies);
        choices = choices == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(choices));
    }
}
