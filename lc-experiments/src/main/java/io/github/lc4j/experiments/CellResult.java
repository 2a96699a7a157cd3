package io.github.lc4j.experiments;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one cell of a grid measured, as its JSON file holds it. Files written before budgets and
 * stop reasons were recorded lack {@code budget}, {@code epochsPerStep} and {@code stop}: they read
 * as 0, 0 and null, which {@link #withDefaults} fills in. Files written before size budgets lack
 * {@code meanBitsPerWeight}, {@code sizeBudget} and {@code choices}: they read as 0 (not
 * recorded), null and no choices, which is what a cell that chooses nothing holds for the last two.
 *
 * @param id            the cell's file name without {@code .json}
 * @param model         the model's name
 * @param codebook      the codebook spec ({@code float} for the reference)
 * @param granularity   layer, shared or channel ({@code -} for the reference)
 * @param method        the method key
 * @param seed          the seed
 * @param budget        the training budget: the grid's epochs per step times this (1 for the
 *                      reference and DC, which have no budget)
 * @param epochsPerStep epochs per iteration the cell trained with, the budget included (0 for the
 *                      reference)
 * @param backend       the backend it ran on
 * @param data          the data set's description
 * @param rho           the compression ratio ρ against float32
 * @param bitsPerWeight bits per compressed weight's code, ⌈log2 K⌉ (32 for the reference); for a
 *                      cell that chooses, the widest code any task chose
 * @param meanBitsPerWeight bits per compressed weight on average, codes and codebooks included, as
 *                      a {@code bits=} size budget counts them (32 for the reference; 0 in files
 *                      written before it was recorded)
 * @param sizeBudget    the size budget of a cell whose codebooks were chosen, as the grid writes it
 *                      ({@code bits=1}, {@code rho=30.5}); null for any other cell
 * @param choices       per compression task (in the tasks' order), the codebook its last C step
 *                      chose, e.g. {@code fc1 → adaptive:2}; empty when nothing chooses
 * @param trainLoss     the final net's mean training loss (cross-entropy)
 * @param trainError    its training error rate
 * @param testLoss      its mean test loss
 * @param testError     its test error rate
 * @param seconds       the cell's wall time
 * @param stop          why the run ended ({@code CONVERGED}, {@code ITERATION_CAP} or
 *                      {@code SCHEDULE_END}), or null for the reference and older files
 * @param iterations    per iteration (0 = direct compression): the quantized net's losses and errors
 * @param histogram     one layer's continuous weights at the end, with the codebook, or null
 */
public record CellResult(
        String id,
        String model,
        String codebook,
        String granularity,
        String method,
        long seed,
        int budget,
        int epochsPerStep,
        String backend,
        String data,
        double rho,
        int bitsPerWeight,
        double meanBitsPerWeight,
        String sizeBudget,
        Map<String, String> choices,
        double trainLoss,
        double trainError,
        double testLoss,
        double testError,
        double seconds,
        String stop,
        List<Iteration> iterations,
        Histogram histogram) {

    /** Copies the list and the choices, in their order (missing choices, as in older files, are none). */
    public CellResult {
        iterations = List.copyOf(iterations);
        choices = choices == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(choices));
    }

    /**
     * Returns this result with {@code budget} and {@code epochsPerStep} where it has none (a file
     * written before they were recorded), else this result.
     */
    public CellResult withDefaults(int budget, int epochsPerStep) {
        if (this.budget >= 1) {
            return this;
        }
        return new CellResult(
                id,
                model,
                codebook,
                granularity,
                method,
                seed,
                budget,
                this.epochsPerStep >= 1 ? this.epochsPerStep : epochsPerStep,
                backend,
                data,
                rho,
                bitsPerWeight,
                meanBitsPerWeight,
                sizeBudget,
                choices,
                trainLoss,
                trainError,
                testLoss,
                testError,
                seconds,
                stop,
                iterations,
                histogram);
    }

    /** Orders K ascending, numerically, and codebooks other than adaptive ones after them. */
    private static final Comparator<String> SMALLER_K_FIRST = Comparator.<String>comparingInt(
                    chosen -> chosen.matches("[0-9]+") ? Integer.parseInt(chosen) : Integer.MAX_VALUE)
            .thenComparing(Comparator.naturalOrder());

    /** Whether this cell's codebooks were chosen under a size budget (an {@code auto} entry). */
    public boolean chooses() {
        return sizeBudget != null;
    }

    /**
     * Returns the choices compactly, one word per layer in the tasks' order: {@code fc1:2 fc2:4
     * fc3:8} (K of an adaptive codebook, else the codebook as written, e.g. {@code fc1:scaled-binary});
     * a layer whose channels chose differently lists each choice with its channel count,
     * {@code fc1:2×120,4×180}. Empty when nothing chooses.
     */
    public String allocation() {
        // task names are the layer's, with [channel] appended per channel, or "shared"
        Map<String, Map<String, Integer>> byLayer = new LinkedHashMap<>();
        choices.forEach((task, codebook) -> {
            int bracket = task.indexOf('[');
            String layer = bracket < 0 ? task : task.substring(0, bracket);
            String chosen = codebook.startsWith("adaptive:") ? codebook.substring("adaptive:".length()) : codebook;
            byLayer.computeIfAbsent(layer, l -> new TreeMap<>(SMALLER_K_FIRST)).merge(chosen, 1, Integer::sum);
        });
        List<String> words = new ArrayList<>();
        byLayer.forEach((layer, counts) -> {
            if (counts.size() == 1) {
                words.add(layer + ":" + counts.keySet().iterator().next());
            } else {
                List<String> parts = new ArrayList<>();
                counts.forEach((chosen, count) -> parts.add(chosen + "×" + count));
                words.add(layer + ":" + String.join(",", parts));
            }
        });
        return String.join(" ", words);
    }

    /** Returns the epochs the cell's compression trained: iterations after DC times epochs per step. */
    public int epochsTrained() {
        return Math.max(0, iterations.size() - 1) * epochsPerStep;
    }

    /**
     * One iteration's quantized net.
     *
     * @param iteration  0 for direct compression, then 1, 2, …
     * @param mu         μ (0 for DC, iDC and STE)
     * @param stepLoss   the mean minibatch loss of the iteration's training (NaN at 0)
     * @param trainLoss  the quantized net's training loss
     * @param trainError its training error rate
     * @param testError  its test error rate
     */
    public record Iteration(
            int iteration, double mu, double stepLoss, double trainLoss, double trainError, double testError) {}

    /**
     * A histogram of one parameter's continuous weights and the codebook they were quantized to.
     *
     * @param parameter the parameter
     * @param low       the lower edge of the first bin
     * @param high      the upper edge of the last bin
     * @param counts    the weights per bin
     * @param codebook  the codebook's values
     */
    public record Histogram(String parameter, double low, double high, int[] counts, float[] codebook) {}
}
