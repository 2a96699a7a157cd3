package io.github.lc4j.api;

import static io.github.lc4j.api.Checks.checkArgument;
import static io.github.lc4j.api.Checks.checkAtLeast;

/**
 * What a backend needs to build a trainer besides the model.
 *
 * @param momentum SGD momentum coefficient in [0, 1)
 * @param nesterov whether the momentum is Nesterov's
 * @param threads  how many threads the trainer may use (&gt;= 1)
 */
public record TrainerOptions(double momentum, boolean nesterov, int threads) {

    /** Checks the fields. */
    public TrainerOptions {
        checkArgument(Double.isFinite(momentum) && momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got %s",
                momentum);
        checkArgument(!nesterov || momentum > 0, "Nesterov momentum needs momentum > 0");
        checkAtLeast(threads, 1, "threads");
    }

    /** Returns the options of {@code optimizer} with {@code threads} threads. */
    public static TrainerOptions of(OptimizerSpec optimizer, int threads) {
        return new TrainerOptions(optimizer.momentum(), optimizer.nesterov(), threads);
    }

    /** Returns plain SGD without momentum, on {@code threads} threads. */
    public static TrainerOptions plainSgd(int threads) {
        return new TrainerOptions(0, false, threads);
    }
}
