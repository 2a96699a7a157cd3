package io.github.lc4j.cli;

import io.github.lc4j.api.BitBudget;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.core.CodebookSpecs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Per-layer codebooks and the size budget of the layers that choose theirs. */
final class LayerOptions {
    @Option(
            names = {"--layer", "--layers"},
            paramLabel = "NAME=SPEC",
            // a comma starts a new pair only before 'name=': codebook specs have commas but no '='
            split = ",(?=[^,=]+=)",
            description = "One layer's codebook, overriding --codebook: a codebook spec, 'auto[:...]' to let the C"
                    + " step choose it under --bits-per-weight or --rho, or 'float' to keep the layer in float32."
                    + " Repeatable, e.g. --layer fc1=auto --layer fc3=float; in a config file, a 'layers:' mapping."
                    + " 'lc4j inspect' lists the layer names.")
    Map<String, String> layers = new LinkedHashMap<>();

    @Option(
            names = "--bits-per-weight",
            paramLabel = "B",
            description = "Size budget for the layers that choose their codebook ('auto'): at most B bits per"
                    + " compressed weight on average, codes and codebooks included. Makes --codebook default to"
                    + " 'auto'.")
    Double bitsPerWeight;

    @Option(
            names = "--rho",
            paramLabel = "R",
            description = "Size budget as a compression ratio: the whole net (float32 layers and biases included)"
                    + " at most 1/R of its float32 size. Makes --codebook default to 'auto'.")
    Double rho;

    /** The budget given, or null. */
    BitBudget budget() {
        if (bitsPerWeight != null && rho != null) {
            throw new IllegalArgumentException("--bits-per-weight " + bitsPerWeight + " and --rho " + rho
                    + " are two budgets for one net; give one");
        }
        try {
            if (bitsPerWeight != null) {
                return BitBudget.bitsPerWeight(bitsPerWeight);
            }
            return rho == null ? null : BitBudget.compressionRatio(rho);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    (bitsPerWeight != null ? "--bits-per-weight: " : "--rho: ") + e.getMessage());
        }
    }

    /** The codebook spec a command uses when its --codebook is not given. */
    String defaultCodebook(String otherwise) {
        return budget() != null ? "auto" : otherwise;
    }

    /** {@code tasks} with the --layer overrides applied. */
    List<CompressionTask> apply(ModelSpec model, List<CompressionTask> tasks, Integer size) {
        return CodebookSpecs.withLayers(model, tasks, layers, size);
    }
}
