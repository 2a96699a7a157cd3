package io.github.lc4j.api.spi;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Weights;
import java.util.Map;

/**
 * Trains one model on one backend: holds the weights, the momentum state and the LC penalty
 * where the backend computes. Not thread-safe; one LC run drives it from one thread. Implement
 * it by extending {@link BaseTrainer}, which owns this protocol.
 *
 * <p>The objective minimised by {@link #step} is the mean softmax cross-entropy of the batch
 * plus the LC penalty {@code μ/2 · Σ ‖w − t‖²} over the parameters that have a target. A step
 * takes the SGD (momentum) update of the cross-entropy's gradient, then treats the penalty
 * exactly with a proximal pull toward t ({@link TrainerOptions#penaltyPull}), so that no μ makes
 * it diverge.
 */
public interface Trainer extends Evaluator {

    /** Returns a copy of the current weights. */
    Weights snapshot();

    /**
     * Returns copies of the momentum buffers (the velocity v of {@link TrainerOptions#update}), by
     * parameter name in model order: with {@link #snapshot} everything a checkpoint needs to
     * continue training exactly where it stopped.
     */
    Map<String, float[]> momentum();

    /**
     * Loads {@code weights} and the momentum buffers {@code momentum} (one per parameter, as
     * {@link #momentum} returns them), so that the next step is the one a checkpointed trainer
     * would have taken. Penalty targets and μ are not part of it: set them again.
     *
     * @throws InvalidInputException when a parameter is missing, unknown, of the wrong size or not finite
     */
    void restore(Weights weights, Map<String, float[]> momentum);

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
     * Takes one SGD step on {@code batch} with learning rate {@code learningRate}: the update of
     * {@link TrainerOptions#update} with the cross-entropy's gradient, then, when μ &gt; 0, the
     * proximal pull {@link TrainerOptions#pullTowardTarget} of every parameter with a target.
     *
     * @return the mean cross-entropy of the batch before the update (without the penalty)
     * @throws InvalidInputException when the batch does not fit the model
     */
    double step(Batch batch, double learningRate);

    /**
     * Takes one straight-through step (BinaryConnect): loss and gradient at {@code quantized},
     * the update applied to the trainer's own (float) weights and momentum, followed by the
     * penalty's proximal pull as in {@link #step} if a penalty is set.
     *
     * @param quantized values for some or all parameters (typically Δ(Θ) of the compressed ones);
     *                  the other parameters keep their float values
     * @return the mean cross-entropy of the batch at the quantized weights, before the update
     * @throws InvalidInputException for an unknown parameter, a size mismatch or a non-finite value
     */
    double straightThroughStep(Batch batch, Map<String, float[]> quantized, double learningRate);

    /**
     * Returns the gradient of the objective (loss plus penalty) at the current weights on
     * {@code batch}, without changing anything.
     */
    Map<String, float[]> gradients(Batch batch);

    /**
     * Returns the batch's mean cross-entropy and the gradient of the objective at the current
     * weights, changing nothing: what a data-parallel learner sums across machines. The default
     * makes two passes; {@link BaseTrainer} makes one.
     */
    default LossAndGradients lossAndGradients(Batch batch) {
        return new LossAndGradients(evaluate(batch).meanLoss(), gradients(batch));
    }
}
