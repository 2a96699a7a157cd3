package io.github.lc4j.core;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.core.data.Dataset;

/**
 * The training samples of an L step and the place its minibatch steps run: this JVM's backend for a
 * {@link Dataset} in memory ({@link #of}), or a cluster holding the samples in partitions (the
 * {@code lc-spark} module). The LC loop only sees {@link Learner}s; the C step, the multipliers,
 * test evaluation and checkpoints stay with the caller.
 */
public interface TrainingSet {

    /** Returns a name for reports and checkpoints. */
    String name();

    /** Returns the number of training samples. */
    int size();

    /** Returns the number of input values per sample. */
    int sampleSize();

    /** Returns 1 + the largest label. */
    int classCount();

    /**
     * Returns a learner that trains {@code model} on these samples with {@code optimizer}'s update
     * rule and batch size, visiting the samples in the order {@link Minibatches} gives for
     * {@code seed}; weights not yet loaded.
     */
    Learner learner(Backend backend, ModelSpec model, OptimizerSpec optimizer, long seed);

    /**
     * Returns what, besides the data, changes this set's training numbers (for a cluster: how the
     * L step is spread), for the settings a checkpoint must agree on; empty for a local set.
     */
    default java.util.Map<String, Object> settings() {
        return java.util.Map.of();
    }

    /** Returns loss and errors of {@code weights} on every training sample. */
    Evaluation evaluate(Backend backend, ModelSpec model, Weights weights);

    /** Returns the training set of the samples of {@code dataset}, trained on by one local trainer. */
    static TrainingSet of(Dataset dataset) {
        return new LocalTrainingSet(java.util.List.of(dataset));
    }

    /**
     * Returns the training set of the concatenated samples of {@code shards} (e.g. the
     * {@code train-*.npz} files of a sharded folder, {@link io.github.lc4j.core.data.DataSets#readShards}),
     * trained on by one local trainer: each shard is its own array, so the set may exceed what one
     * array holds. Minibatches index the concatenation as they would one data set.
     *
     * @throws io.github.lc4j.api.InvalidInputException when the shards' sample shapes differ
     */
    static TrainingSet of(java.util.List<Dataset> shards) {
        return new LocalTrainingSet(shards);
    }
}
