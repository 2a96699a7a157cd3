package io.github.lc4j.api;

import java.util.List;

/**
 * The outcome of an LC run (or a baseline): the quantized net Δ(Θ), never the continuous one.
 *
 * @param quantized        weights with every compressed parameter exactly on its codebook
 * @param groups           Θ of each compression task
 * @param history          one record per iteration, starting with DC
 * @param compressionRatio ρ = 32·(parameter count) / (bits after compression)
 * @param stop             why the run ended
 * @param times            where the run's wall time went
 */
public record LcResult(
        Weights quantized,
        List<QuantizedGroup> groups,
        List<IterationRecord> history,
        double compressionRatio,
        StopReason stop,
        RunTimes times) {

    /** Why a run ended. */
    public enum StopReason {
        /** LC reached ‖w − Δ(Θ)‖ ≤ tolerance·‖w‖ with no assignment changing. */
        CONVERGED("converged"),
        /** LC ran every iteration its schedule allows and had not converged. */
        ITERATION_CAP("not converged at the iteration cap"),
        /** The run took the fixed number of iterations it was given (convergence test off, or a baseline). */
        SCHEDULE_END("schedule completed");

        private final String description;

        StopReason(String description) {
            this.description = description;
        }

        /** Returns the reason in words, as reports print it. */
        public String description() {
            return description;
        }
    }

    /** Copies the lists. */
    public LcResult {
        groups = List.copyOf(groups);
        history = List.copyOf(history);
        java.util.Objects.requireNonNull(stop, "stop is null");
        java.util.Objects.requireNonNull(times, "times is null");
    }

    /** Returns the record of the last iteration. */
    public IterationRecord last() {
        return history.get(history.size() - 1);
    }
}
