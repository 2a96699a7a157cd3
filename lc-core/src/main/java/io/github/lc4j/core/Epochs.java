package io.github.lc4j.core;

import io.github.lc4j.api.spi.Batch;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.ToDoubleFunction;

/** The minibatch loop that training and every compression method share. */
final class Epochs {
    private Epochs() {}

    /**
     * Runs {@code step} on every minibatch of {@code order}, stopping with a
     * {@link java.util.concurrent.CancellationException} when {@code stopRequested} turns true and
     * with an {@link io.github.lc4j.api.Lc4jException} when a loss is not finite; adds every loss to
     * {@code meter}.
     */
    static void run(
            Minibatches minibatches,
            List<int[]> order,
            String phase,
            double learningRate,
            BooleanSupplier stopRequested,
            ToDoubleFunction<Batch> step,
            ProgressMeter meter) {
        run(minibatches, order, 0, phase, learningRate, stopRequested, step, meter, done -> {});
    }

    /**
     * Runs the minibatches of {@code order} from {@code firstBatch} on as the shorter form does,
     * telling {@code afterBatch} how many batches of {@code order} are done after each one.
     */
    static void run(
            Minibatches minibatches,
            List<int[]> order,
            int firstBatch,
            String phase,
            double learningRate,
            BooleanSupplier stopRequested,
            ToDoubleFunction<Batch> step,
            ProgressMeter meter,
            IntConsumer afterBatch) {
        for (int b = firstBatch; b < order.size(); b++) {
            RunChecks.checkNotStopped(stopRequested, phase);
            double loss = step.applyAsDouble(minibatches.batch(order, b));
            RunChecks.checkFiniteLoss(loss, phase, learningRate);
            meter.add(loss);
            afterBatch.accept(b + 1);
        }
    }
}
