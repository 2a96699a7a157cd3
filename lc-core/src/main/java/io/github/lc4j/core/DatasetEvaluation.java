package io.github.lc4j.core;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.core.data.Dataset;

/** Evaluates an evaluator's current weights on a whole data set, in chunks. */
final class DatasetEvaluation {
    private static final int CHUNK = 1000;

    private DatasetEvaluation() {}

    /** Loads {@code weights} into a fresh evaluator of {@code backend} and evaluates every sample of {@code dataset}. */
    static Evaluation of(Backend backend, ModelSpec model, Weights weights, Dataset dataset) {
        try (Evaluator evaluator = backend.newEvaluator(model)) {
            evaluator.load(weights);
            return of(evaluator, dataset);
        }
    }

    /** Returns loss and errors of {@code evaluator}'s weights on every sample of {@code dataset}. */
    static Evaluation of(Evaluator evaluator, Dataset dataset) {
        Evaluation total = Evaluation.empty();
        for (int from = 0; from < dataset.size(); from += CHUNK) {
            total = total.plus(evaluator.evaluate(dataset.range(from, Math.min(dataset.size(), from + CHUNK))));
        }
        return total;
    }
}
