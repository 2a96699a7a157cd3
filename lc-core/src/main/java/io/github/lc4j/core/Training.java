package io.github.lc4j.core;

import static io.github.lc4j.api.support.Checks.checkAtLeast;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.Lc4jException;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.core.data.Minibatches;
import io.github.lc4j.core.data.TrainTestSplit;
import java.util.List;

/** Plain SGD training without penalty: how reference nets are made. */
public final class Training {
    private Training() {}

    /**
     * Trains {@code initial} for {@code epochs} epochs with learning rate lr0·decay^epoch and
     * returns the final weights. Minibatch order comes from {@code seed}.
     *
     * @throws Lc4jException when the loss becomes non-finite
     */
    public static Weights train(
            Backend backend,
            ModelSpec model,
            Weights initial,
            TrainTestSplit data,
            OptimizerSpec optimizer,
            int epochs,
            long seed,
            LcListener listener) {
        checkAtLeast(epochs, 1, "epochs");
        RunChecks.checkDataFits(model, data);
        Minibatches minibatches = new Minibatches(data.train(), optimizer.batchSize(), seed);
        try (Trainer trainer = backend.newTrainer(model, TrainerOptions.of(optimizer))) {
            trainer.load(initial);
            for (int epoch = 0; epoch < epochs; epoch++) {
                double learningRate = optimizer.learningRate(epoch);
                ProgressMeter meter = new ProgressMeter(
                        listener, "training epoch " + (epoch + 1) + "/" + epochs, minibatches.batchesPerEpoch());
                List<int[]> order = minibatches.epochIndices(epoch);
                for (int b = 0; b < order.size(); b++) {
                    Batch batch = minibatches.batch(order, b);
                    double loss = trainer.step(batch, learningRate);
                    RunChecks.checkFiniteLoss(loss, "training epoch " + (epoch + 1), learningRate);
                    meter.add(loss);
                }
                Evaluation test = DatasetEvaluation.of(trainer, data.test());
                listener.onEpochEnd(epoch + 1, epochs, meter.meanLoss(), test);
            }
            return trainer.snapshot();
        }
    }
}
