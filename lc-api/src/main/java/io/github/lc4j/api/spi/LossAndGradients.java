package io.github.lc4j.api.spi;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * What one forward and backward pass over a batch gives: the batch's mean cross-entropy and the
 * gradient of the objective, by parameter name in model order.
 *
 * @param loss      the mean cross-entropy of the batch (without the penalty)
 * @param gradients the gradient of loss plus penalty, one array per parameter
 */
public record LossAndGradients(double loss, Map<String, float[]> gradients) {

    /** Checks the fields. */
    public LossAndGradients {
        requireNonNull(gradients, "gradients is null");
    }
}
