package io.github.lc4j.core;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.core.data.Dataset;
import java.util.List;
import java.util.Map;

/** A training set in this JVM's memory, trained on by one trainer of the run's backend. */
final class LocalTrainingSet implements TrainingSet {
    private final Dataset dataset;

    LocalTrainingSet(Dataset dataset) {
        this.dataset = requireNonNull(dataset, "dataset is null");
    }

    @Override
    public String name() {
        return dataset.name();
    }

    @Override
    public int size() {
        return dataset.size();
    }

    @Override
    public int sampleSize() {
        return dataset.sampleSize();
    }

    @Override
    public int classCount() {
        return dataset.classCount();
    }

    @Override
    public Learner learner(Backend backend, ModelSpec model, OptimizerSpec optimizer, long seed) {
        return new LocalLearner(
                backend.newTrainer(model, TrainerOptions.of(optimizer)),
                new Minibatches(dataset, optimizer.batchSize(), seed));
    }

    @Override
    public Evaluation evaluate(Backend backend, ModelSpec model, Weights weights) {
        return DatasetEvaluation.of(backend, model, weights, dataset);
    }

    /** One trainer stepping through the seeded minibatches, one per call. */
    private final class LocalLearner implements Learner {
        private final Trainer trainer;
        private final Minibatches minibatches;
        private long orderEpoch = -1;
        private List<int[]> order;

        LocalLearner(Trainer trainer, Minibatches minibatches) {
            this.trainer = trainer;
            this.minibatches = minibatches;
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
            if (epoch != orderEpoch) {
                order = minibatches.epochIndices(epoch);
                orderEpoch = epoch;
            }
            return minibatches.batch(order, index);
        }

        @Override
        public Evaluation evaluate(Weights weights, Evaluator loaded) {
            return DatasetEvaluation.of(loaded, dataset);
        }

        @Override
        public void close() {
            trainer.close();
        }
    }
}
