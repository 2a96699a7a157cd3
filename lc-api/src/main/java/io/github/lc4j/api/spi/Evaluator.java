package io.github.lc4j.api.spi;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;

/**
 * Runs one model forward on one backend, for loss and errors only: no gradients, no optimizer
 * state. Not thread-safe. Implement it by extending {@link BaseEvaluator}.
 */
public interface Evaluator extends AutoCloseable {

    /** Returns the model this evaluator runs. */
    ModelSpec model();

    /**
     * Replaces all weights (and, on a {@link Trainer}, resets the momentum state).
     *
     * @throws InvalidInputException naming a missing or mis-sized parameter
     */
    void load(Weights weights);

    /**
     * Returns loss and errors of the current weights on {@code batch}; changes nothing.
     *
     * @throws InvalidInputException when the batch does not fit the model
     */
    Evaluation evaluate(Batch batch);

    /** Releases the backend resources; the evaluator is unusable afterwards. */
    @Override
    void close();
}
