package io.github.lc4j.core;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Weights;
import java.util.Map;

/**
 * Runs the minibatch steps of one run on a {@link TrainingSet}: the state a
 * {@link io.github.lc4j.api.spi.Trainer} holds (weights, momentum, penalty), addressed by
 * minibatch position instead of by batch contents, so that the samples may live elsewhere.
 * Minibatch {@code b} of epoch {@code e} is batch {@code b} of {@link Minibatches#epochIndices}.
 * Not thread-safe; one run drives it from one thread.
 */
public interface Learner extends AutoCloseable {

    /** Returns the number of minibatches per epoch. */
    int batchesPerEpoch();

    /** Loads {@code weights} and sets the momentum to zero. */
    void load(Weights weights);

    /** Returns a copy of the current weights. */
    Weights snapshot();

    /** Returns copies of the momentum buffers, by parameter name in model order. */
    Map<String, float[]> momentum();

    /**
     * Loads weights and momentum as a checkpoint saved them.
     *
     * @throws InvalidInputException when a parameter is missing, unknown or of the wrong size
     */
    void restore(Weights weights, Map<String, float[]> momentum);

    /** Sets the penalty μ/2 Σ‖w − t‖² of the following steps ({@code mu = 0}: none). */
    void setPenalty(Map<String, float[]> targets, double mu);

    /** Removes the penalty. */
    default void clearPenalty() {
        setPenalty(Map.of(), 0);
    }

    /**
     * Takes SGD steps on minibatches {@code firstBatch}, {@code firstBatch + 1}, … of epoch
     * {@code epoch}: at least one and at most {@code maxBatches}, as many as the learner takes in
     * one round (a local learner: one).
     *
     * @return the mean cross-entropy of each minibatch done, before its update, in order
     */
    double[] steps(long epoch, int firstBatch, int maxBatches, double learningRate);

    /**
     * Takes one straight-through step on minibatch {@code batch} of epoch {@code epoch}: the
     * gradient at {@code quantized}, applied to the float weights.
     *
     * @return the mean cross-entropy of the minibatch at the quantized weights
     */
    double straightThroughStep(long epoch, int batch, Map<String, float[]> quantized, double learningRate);

    /**
     * Returns loss and errors of {@code weights} on every training sample.
     *
     * @param loaded an evaluator of the run's backend holding {@code weights}, for a learner whose
     *               samples are in this JVM; a learner whose samples are elsewhere evaluates there
     */
    io.github.lc4j.api.Evaluation evaluate(Weights weights, io.github.lc4j.api.spi.Evaluator loaded);

    /**
     * Returns loss and errors of {@code weights} on {@code size} training samples drawn with
     * {@code seed}, the same ones on every call (every sample when there are no more). A learner
     * whose samples are elsewhere evaluates every sample.
     */
    default io.github.lc4j.api.Evaluation evaluateSample(
            Weights weights, io.github.lc4j.api.spi.Evaluator loaded, int size, long seed) {
        return evaluate(weights, loaded);
    }

    /**
     * Returns the nanoseconds this learner's caller has spent so far waiting for minibatches to be
     * gathered (the part of a step's wall time that is data, not compute); 0 where the samples are
     * gathered elsewhere (a cluster's partitions).
     */
    default long dataNanos() {
        return 0;
    }

    /** Frees the learner's resources. */
    @Override
    void close();
}
