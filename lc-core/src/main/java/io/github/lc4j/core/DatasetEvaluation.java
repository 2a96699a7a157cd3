package io.github.lc4j.core;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.core.data.Dataset;

/** Evaluates an evaluator's current weights on a whole data set, in chunks. */
final class DatasetEvaluation {
    /** Samples per forward pass, at least: fewer passes cost each backend less per sample. */
    static final int MINIMUM_CHUNK = 1000;

    /** Samples per forward pass, at most. */
    static final int MAXIMUM_CHUNK = 10_000;

    /** The activations a chunk may hold at once, in floats (64 MiB): small nets take large chunks. */
    static final long ACTIVATION_BUDGET = 16L << 20;

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
        int chunk = chunk(evaluator.model());
        Evaluation total = Evaluation.empty();
        for (int from = 0; from < dataset.size(); from += chunk) {
            total = total.plus(evaluator.evaluate(dataset.range(from, Math.min(dataset.size(), from + chunk))));
        }
        return total;
    }

    /**
     * Samples per forward pass for {@code model}: as many as keep all its activations within
     * {@link #ACTIVATION_BUDGET}, between {@link #MINIMUM_CHUNK} and {@link #MAXIMUM_CHUNK}
     * (LeNet300: about 7,000; a ResNet-20 on 28×28 images: 1,000).
     */
    static int chunk(ModelSpec model) {
        long perSample = 0;
        for (int id = 0; id < model.tensorCount(); id++) {
            perSample += model.tensorSize(id);
        }
        long fits = ACTIVATION_BUDGET / Math.max(1, perSample);
        return (int) Math.max(MINIMUM_CHUNK, Math.min(MAXIMUM_CHUNK, fits));
    }
}
