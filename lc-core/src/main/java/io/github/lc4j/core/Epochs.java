package io.github.lc4j.core;

import io.github.lc4j.api.spi.Batch;
import java.util.List;
import java.util.function.BooleanSupplier;
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
        for (int b = 0; b < order.size(); b++) {
            RunChecks.checkNotStopped(stopRequested, phase);
            double loss = step.applyAsDouble(minibatches.batch(order, b));
            RunChecks.checkFiniteLoss(loss, phase, learningRate);
            meter.add(loss);
        }
    }
}
