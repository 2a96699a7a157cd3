package io.github.lc4j.core;

import io.github.lc4j.api.spi.Batch;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.ToDoubleFunction;

/** The minibatch loop that training and every compression method share. */
final class Epochs {
    private Epochs() {}

    /** Takes the steps of minibatches {@code firstBatch}, … of one epoch: at least one, at most {@code maxBatches}. */
    @FunctionalInterface
    interface Round {
        /** Returns the loss of each minibatch done, in order. */
        double[] run(int firstBatch, int maxBatches);
    }

    /**
     * Runs {@code step} on every minibatch of epoch {@code epoch} of {@code batches}, stopping with a
     * {@link java.util.concurrent.CancellationException} when {@code stopRequested} turns true and
     * with an {@link io.github.lc4j.api.Lc4jException} when a loss is not finite; adds every loss to
     * {@code meter}.
     */
    static void run(
            BatchPrefetcher batches,
            long epoch,
            int batchesPerEpoch,
            String phase,
            double learningRate,
            BooleanSupplier stopRequested,
            ToDoubleFunction<Batch> step,
            ProgressMeter meter) {
        run(
                batchesPerEpoch,
                0,
                phase,
                learningRate,
                stopRequested,
                (batch, maxBatches) -> new double[] {step.applyAsDouble(batches.take(epoch, batch))},
                meter,
                done -> {});
    }

    /**
     * Runs rounds over minibatches {@code firstBatch} … {@code batches − 1} of an epoch as the shorter
     * form does, telling {@code afterBatch} how many minibatches are done after each round: only
     * there do a learner's weights belong to a minibatch position (a round of several minibatches
     * moves them at its end), so only there may a checkpoint be taken.
     */
    static void run(
            int batches,
            int firstBatch,
            String phase,
            double learningRate,
            BooleanSupplier stopRequested,
            Round round,
            ProgressMeter meter,
            IntConsumer afterBatch) {
        int b = firstBatch;
        while (b < batches) {
            RunChecks.checkNotStopped(stopRequested, phase);
            double[] losses = round.run(b, batches - b);
            if (losses.length == 0 || losses.length > batches - b) {
                throw new IllegalStateException(
                        "a round asked for at most " + (batches - b) + " minibatches did " + losses.length);
            }
            for (double loss : losses) {
                RunChecks.checkFiniteLoss(loss, phase, learningRate);
                meter.add(loss);
                b++;
            }
            afterBatch.accept(b);
        }
    }
}
