package io.github.lc4j.core;

import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * ρ = 32 · (total parameters) / (bits after compression): each task costs n·⌈log2 K⌉ bits of
 * assignments plus 32 bits per stored codebook float; every parameter outside a task costs 32 bits.
 */
public final class CompressionRatio {
    private CompressionRatio() {}

    /** Returns the bits needed to store {@code model} compressed by {@code tasks}. */
    public static long compressedBits(ModelSpec model, List<CompressionTask> tasks) {
        Set<String> compressed = new HashSet<>();
        long bits = 0;
        for (CompressionTask task : tasks) {
            long count = 0;
            for (String name : task.parameters()) {
                count += model.parameter(name).size();
                compressed.add(name);
            }
            bits += task.codebook().storageBits(count);
        }
        for (ParameterSpec parameter : model.parameters()) {
            if (!compressed.contains(parameter.name())) {
                bits += 32L * parameter.size();
            }
        }
        return bits;
    }

    /** Returns ρ for {@code model} compressed by {@code tasks}. */
    public static double of(ModelSpec model, List<CompressionTask> tasks) {
        return 32.0 * model.parameterCount() / compressedBits(model, tasks);
    }
}
