package io.github.lc4j.core;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import java.util.List;
import java.util.Map;

/**
 * A training set in this JVM's memory, trained on by one trainer of the run's backend: one
 * {@link Dataset}, or several shards (e.g. a folder of {@code train-*.npz} files) taken as their
 * concatenation, so that no one array has to hold every sample.
 */
final class LocalTrainingSet implements TrainingSet {
    private final List<Dataset> shards;
    /** The index of each shard's first sample, then the total. */
    private final int[] offsets;

    LocalTrainingSet(List<Dataset> shards) {
        this.shards = List.copyOf(requireNonNull(shards, "shards is null"));
        if (this.shards.isEmpty()) {
            throw new IllegalArgumentException("a training set needs at least one shard");
        }
        offsets = new int[this.shards.size() + 1];
        for (int s = 0; s < this.shards.size(); s++) {
            Dataset shard = this.shards.get(s);
            if (!java.util.Arrays.equals(shard.sampleShape(), this.shards.get(0).sampleShape())) {
                throw new InvalidInputException("training shard " + shard.name() + " has samples of shape "
                        + java.util.Arrays.toString(shard.sampleShape()) + ", shard "
                        + this.shards.get(0).name()
                        + " " + java.util.Arrays.toString(this.shards.get(0).sampleShape())
                        + "; every shard must match");
            }
            long end = (long) offsets[s] + shard.size();
            if (end > Integer.MAX_VALUE) {
                throw new InvalidInputException("the training shards hold more than " + Integer.MAX_VALUE + " samples");
            }
            offsets[s + 1] = (int) end;
        }
    }

    @Override
    public String name() {
        return shards.size() == 1
                ? shards.get(0).name()
                : shards.get(0).name() + " and " + (shards.size() - 1) + " more shards";
    }

    @Override
    public int size() {
        return offsets[shards.size()];
    }

    @Override
    public int sampleSize() {
        return shards.get(0).sampleSize();
    }

    @Override
    public int classCount() {
        return shards.stream().mapToInt(Dataset::classCount).max().orElseThrow();
    }

    @Override
    public Learner learner(Backend backend, ModelSpec model, OptimizerSpec optimizer, long seed) {
        return new LocalLearner(
                backend.newTrainer(model, TrainerOptions.of(optimizer)),
                new Minibatches(size(), optimizer.batchSize(), seed));
    }

    @Override
    public Evaluation evaluate(Backend backend, ModelSpec model, Weights weights) {
        try (Evaluator evaluator = backend.newEvaluator(model)) {
            evaluator.load(weights);
            return evaluate(evaluator);
        }
    }

    /** Loss and errors of {@code loaded}'s weights on every sample of every shard. */
    private Evaluation evaluate(Evaluator loaded) {
        Evaluation total = Evaluation.empty();
        for (Dataset shard : shards) {
            total = total.plus(DatasetEvaluation.of(loaded, shard));
        }
        return total;
    }

    /** The samples at {@code indices} of the concatenated shards, in that order. */
    private io.github.lc4j.api.spi.Batch gather(int[] indices) {
        int size = sampleSize();
        float[] inputs = new float[indices.length * size];
        int[] labels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            int shard = java.util.Arrays.binarySearch(offsets, indices[i]);
            shard = shard >= 0 ? shard : -shard - 2;
            // a shard may be empty: step over offsets repeated at its start
            while (offsets[shard + 1] <= indices[i]) {
                shard++;
            }
            Dataset source = shards.get(shard);
            int local = indices[i] - offsets[shard];
            source.copySample(local, inputs, i * size);
            labels[i] = source.label(local);
        }
        return new io.github.lc4j.api.spi.Batch(inputs, labels);
    }

    /**
     * One trainer stepping through the seeded minibatches, one per call, the next one gathered on a
     * background thread while the step runs.
     */
    private final class LocalLearner implements Learner {
        private final Trainer trainer;
        private final Minibatches minibatches;
        private final BatchPrefetcher prefetcher;
        /** The training samples {@link #evaluateSample} evaluates, drawn once per size and seed. */
        private Dataset sample;

        private long sampleSeed;

        LocalLearner(Trainer trainer, Minibatches minibatches) {
            this.trainer = trainer;
            this.minibatches = minibatches;
            this.prefetcher = new BatchPrefetcher(this::gather, minibatches.batchesPerEpoch());
        }

        @Override
        public int batchesPerEpoch() {
            return minibatches.batchesPerEpoch();
        }

        @Override
        public void load(Weights weights) {
            trainer.load(weights);
        }

        @Override
        public Weights snapshot() {
            return trainer.snapshot();
        }

        @Override
        public Map<String, float[]> momentum() {
            return trainer.momentum();
        }

        @Override
        public void restore(Weights weights, Map<String, float[]> momentum) {
            trainer.restore(weights, momentum);
        }

        @Override
        public void setPenalty(Map<String, float[]> targets, double mu) {
            trainer.setPenalty(targets, mu);
        }

        @Override
        public double[] steps(long epoch, int firstBatch, int maxBatches, double learningRate) {
            return new double[] {trainer.step(batch(epoch, firstBatch), learningRate)};
        }

        @Override
        public double straightThroughStep(long epoch, int batch, Map<String, float[]> quantized, double learningRate) {
            return trainer.straightThroughStep(batch(epoch, batch), quantized, learningRate);
        }

        private io.github.lc4j.api.spi.Batch batch(long epoch, int index) {
            return prefetcher.take(epoch, index);
        }

        @Override
        public long dataNanos() {
            return prefetcher.waitNanos();
        }

        private io.github.lc4j.api.spi.Batch gather(long epoch, int index) {
            return LocalTrainingSet.this.gather(minibatches.indices(epoch, index));
        }

        @Override
        public Evaluation evaluate(Weights weights, Evaluator loaded) {
            return LocalTrainingSet.this.evaluate(loaded);
        }

        @Override
        public Evaluation evaluateSample(Weights weights, Evaluator loaded, int sampleSize, long seed) {
            if (sampleSize >= size()) {
                return evaluate(weights, loaded);
            }
            if (sample == null || sample.size() != sampleSize || sampleSeed != seed) {
                int[] indices = java.util.Arrays.copyOf(DataSets.permutation(size(), seed), sampleSize);
                java.util.Arrays.sort(indices);
                io.github.lc4j.api.spi.Batch batch = LocalTrainingSet.this.gather(indices);
                sample = new Dataset(
                        name() + " (a sample of " + sampleSize + ")",
                        shards.get(0).sampleShape(),
                        batch.inputs(),
                        batch.labels());
                sampleSeed = seed;
            }
            return DatasetEvaluation.of(loaded, sample);
        }

        @Override
        public void close() {
            prefetcher.close();
            trainer.close();
        }
    }
}
