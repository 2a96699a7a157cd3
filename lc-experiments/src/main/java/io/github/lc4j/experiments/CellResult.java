package io.github.lc4j.experiments;

import java.util.List;

/**
 * What one cell of a grid measured, as its JSON file holds it. Files written before budgets and
 * stop reasons were recorded lack {@code budget}, {@code epochsPerStep} and {@code stop}: they read
 * as 0, 0 and null, which {@link #withDefaults} fills in.
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
 * @param bitsPerWeight bits per compressed weight (32 for the reference)
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
        double trainLoss,
        double trainError,
        double testLoss,
        double testError,
        double seconds,
        String stop,
        List<Iteration> iterations,
        Histogram histogram) {

    /** Copies the list. */
    public CellResult {
        iterations = List.copyOf(iterations);
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
                trainLoss,
                trainError,
                testLoss,
                testError,
                seconds,
                stop,
                iterations,
                histogram);
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
