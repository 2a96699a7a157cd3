package io.github.lc4j.core;

import io.github.lc4j.api.BitBudget;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ρ = 32 · (total parameters) / (bits after compression): each task costs n·⌈log2 K⌉ bits of
 * assignments plus 32 bits per stored codebook float (so a per-channel setup pays for one codebook
 * per channel); every weight outside a task costs 32 bits.
 */
public final class CompressionRatio {
    private CompressionRatio() {}

    /** Returns the bits needed to store {@code model} compressed by {@code tasks}. */
    public static long compressedBits(ModelSpec model, List<CompressionTask> tasks) {
        Map<String, Long> compressed = new HashMap<>();
        long bits = 0;
        for (CompressionTask task : tasks) {
            for (String name : task.parameters()) {
                long count = task.isChannel()
                        ? model.parameter(name).channelSize()
                        : model.parameter(name).size();
                compressed.merge(name, count, Long::sum);
            }
            bits += task.codebook().storageBits(task.size(model));
        }
        for (ParameterSpec parameter : model.parameters()) {
            bits += 32L * (parameter.size() - compressed.getOrDefault(parameter.name(), 0L));
        }
        return bits;
    }

    /**
     * Returns the bits the tasks whose codebook is a {@link Codebook.Choice} may store together
     * under {@code budget}: the budget's total less what the other tasks and the uncompressed
     * parameters store.
     */
    public static long choiceCapacity(ModelSpec model, List<CompressionTask> tasks, BitBudget budget) {
        long compressedWeights = 0;
        long fixedBits = 0;
        for (CompressionTask task : tasks) {
            long size = task.size(model);
            compressedWeights += size;
            if (!(task.codebook() instanceof Codebook.Choice)) {
                fixedBits += task.codebook().storageBits(size);
            }
        }
        long uncompressedBits = 32L * (model.parameterCount() - compressedWeights);
        return budget.totalBits(model.parameterCount(), compressedWeights, uncompressedBits)
                - uncompressedBits
                - fixedBits;
    }

    /** Returns ρ for {@code model} compressed by {@code tasks}. */
    public static double of(ModelSpec model, List<CompressionTask> tasks) {
        return 32.0 * model.parameterCount() / compressedBits(model, tasks);
    }
}
