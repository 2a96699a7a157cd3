package io.github.lc4j.experiments;

import java.util.List;

/**
 * What one cell of a grid measured, as its JSON file holds it.
 *
 * @param id            the cell's file name without {@code .json}
 * @param model         the model's name
 * @param codebook      the codebook spec ({@code float} for the reference)
 * @param granularity   layer, shared or channel ({@code -} for the reference)
 * @param method        the method key
 * @param seed          the seed
 * @param backend       the backend it ran on
 * @param data          the data set's description
 * @param rho           the compression ratio ρ against float32
 * @param bitsPerWeight bits per compressed weight (32 for the reference)
 * @param trainLoss     the final net's mean training loss (cross-entropy)
 * @param trainError    its training error rate
 * @param testLoss      its mean test loss
 * @param testError     its test error rate
 * @param seconds       the cell's wall time
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
        String backend,
        String data,
        double rho,
        int bitsPerWeight,
        double trainLoss,
        double trainError,
        double testLoss,
        double testError,
        double seconds,
        List<Iteration> iterations,
        Histogram histogram) {

    /** Copies the list. */
    public CellResult {
        iterations = List.copyOf(iterations);
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
