package io.github.lc4j.core;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.Lc4jException;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.core.data.TrainTestSplit;
import java.util.function.BooleanSupplier;

/** Plain SGD training without penalty: how reference nets are made. */
final class Training {
    private Training() {}

    /**
     * Trains the request's initial weights for its epochs with learning rate lr0·decay^epoch and
     * returns the final weights. Minibatch order comes from the request's seed.
     *
     * @throws Lc4jException when the loss becomes non-finite
     * @throws java.util.concurrent.CancellationException when {@code stopRequested} turns true
     */
    static Weights train(Backend backend, TrainingRequest request, BooleanSupplier stopRequested) {
        ModelSpec model = request.model();
        TrainTestSplit data = request.data();
        OptimizerSpec optimizer = request.optimizer();
        int epochs = request.epochs();
        LcListener listener = request.listener();
        Weights initial = request.initial();
        long seed = request.seed();
        RunChecks.checkDataFits(model, data);
        Minibatches minibatches = new Minibatches(data.train(), optimizer.batchSize(), seed);
        try (Trainer trainer = backend.newTrainer(model, TrainerOptions.of(optimizer));
                BatchPrefetcher batches = new BatchPrefetcher(minibatches::batch, minibatches.batchesPerEpoch())) {
            trainer.load(initial);
            for (int epoch = 0; epoch < epochs; epoch++) {
                double learningRate = optimizer.learningRate(epoch);
                ProgressMeter meter = new ProgressMeter(
                        listener, "training epoch " + (epoch + 1) + "/" + epochs, minibatches.batchesPerEpoch());
                Epochs.run(
                        batches,
                        epoch,
                        minibatches.batchesPerEpoch(),
                        "training epoch " + (epoch + 1),
                        learningRate,
                        stopRequested,
                        batch -> trainer.step(batch, learningRate),
                        meter);
                Evaluation test = DatasetEvaluation.of(trainer, data.test());
                listener.onEpochEnd(epoch + 1, epochs, meter.meanLoss(), test);
            }
            return trainer.snapshot();
        }
    }
}
