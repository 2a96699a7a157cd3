package io.github.lc4j.core;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.Trainer;
import io.github.lc4j.core.data.Dataset;

/** Evaluates a trainer's current weights on a whole data set, in chunks. */
public final class Evaluator {
    private static final int CHUNK = 1000;

    private Evaluator() {
    }

    /** Returns loss and errors of {@code trainer}'s weights on every sample of {@code dataset}. */
    public static Evaluation evaluate(Trainer trainer, Dataset dataset) {
        Evaluation total = Evaluation.empty();
        for (int from = 0; from < dataset.size(); from += CHUNK) {
            total = total.plus(trainer.evaluate(dataset.range(from, Math.min(dataset.size(), from + CHUNK))));
        }
        return total;
    }
}
