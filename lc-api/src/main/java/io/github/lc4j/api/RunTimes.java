package io.github.lc4j.api;

/**
 * Where the wall time of a run went, in this process (a resumed run counts from its resumption).
 * The parts do not overlap; {@link #otherMillis} is what none of them covers (setting up, the
 * learner's transfers of weights, reports).
 *
 * @param totalMillis       from the start of the run to its result
 * @param computeMillis     the L steps' (or baselines' training) minibatch steps, without waiting for data
 * @param dataMillis        waiting for minibatches to be gathered
 * @param cStepMillis       C steps and multiplier updates (for STE, the refreshes after every step)
 * @param evaluationMillis  evaluating Δ(Θ) on the training and test sets, with re-estimating batch
 *                          normalization's statistics for it
 * @param checkpointMillis  writing checkpoints
 */
public record RunTimes(
        long totalMillis,
        long computeMillis,
        long dataMillis,
        long cStepMillis,
        long evaluationMillis,
        long checkpointMillis) {

    /** No time at all: a result not timed (e.g. built by hand). */
    public static final RunTimes NONE = new RunTimes(0, 0, 0, 0, 0, 0);

    /** Checks that no time is negative. */
    public RunTimes {
        long[] parts = {computeMillis, dataMillis, cStepMillis, evaluationMillis, checkpointMillis};
        for (long part : parts) {
            if (part < 0) {
                throw new IllegalArgumentException("a part of a run's time is negative: " + part + " ms");
            }
        }
        if (totalMillis < 0) {
            throw new IllegalArgumentException("a run's total time is negative: " + totalMillis + " ms");
        }
    }

    /** Returns the time no part covers (never negative: parts measured separately may round past the total). */
    public long otherMillis() {
        return Math.max(
                0, totalMillis - computeMillis - dataMillis - cStepMillis - evaluationMillis - checkpointMillis);
    }
}
