package io.github.lc4j.api;

import java.util.List;

/**
 * The outcome of an LC run (or a baseline): the quantized net Δ(Θ), never the continuous one.
 *
 * @param quantized        weights with every compressed parameter exactly on its codebook
 * @param groups           Θ of each compression task
 * @param history          one record per iteration, starting with DC
 * @param compressionRatio ρ = 32·(parameter count) / (bits after compression)
 */
public record LcResult(
        Weights quantized, List<QuantizedGroup> groups, List<IterationRecord> history, double compressionRatio) {

    /** Copies the lists. */
    public LcResult {
        groups = List.copyOf(groups);
        history = List.copyOf(history);
    }

    /** Returns the record of the last iteration. */
    public IterationRecord last() {
        return history.get(history.size() - 1);
    }
}
