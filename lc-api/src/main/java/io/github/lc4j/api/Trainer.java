package io.github.lc4j.api;

import java.util.Map;

/**
 * Trains one model on one backend: holds the weights, the momentum state and the LC penalty
 * where the backend computes. Not thread-safe; one LC run drives it from one thread.
 *
 * <p>The objective minimised by {@link #step} is the mean softmax cross-entropy of the batch
 * plus the LC penalty {@code μ/2 · Σ ‖w − t‖²} over the parameters that have a target.
 */
public interface Trainer extends AutoCloseable {

    /** Returns the model this trainer trains. */
    ModelSpec model();

    /** Replaces all weights and resets the momentum state. */
    void load(Weights weights);

    /** Returns a copy of the current weights. */
    Weights snapshot();

    /**
     * Sets the penalty targets t and μ used by every following step, until the next call.
     * Parameters absent from {@code targets} get no penalty; {@code mu = 0} switches the
     * penalty off.
     *
     * @throws InvalidInputException for an unknown parameter, a size mismatch or a non-finite value
     * @throws IllegalArgumentException for a negative or non-finite μ
     */
    void setPenalty(Map<String, float[]> targets, double mu);

    /** Removes the penalty. */
    default void clearPenalty() {
        setPenalty(Map.of(), 0);
    }

    /**
     * Takes one SGD step on {@code batch} with learning rate {@code learningRate}.
     *
     * @return the mean cross-entropy of the batch before the update (without the penalty)
     * @throws InvalidInputException when the batch does not fit the model
     */
    double step(Batch batch, double learningRate);

    /**
     * Returns the gradient of the objective (loss plus penalty) at the current weights on
     * {@code batch}, without changing anything.
     */
    Map<String, float[]> gradients(Batch batch);

    /** Returns loss and errors of the current weights on {@code batch}; changes nothing. */
    Evaluation evaluate(Batch batch);

    /** Releases the backend resources; the trainer is unusable afterwards. */
    @Override
    void close();
}
