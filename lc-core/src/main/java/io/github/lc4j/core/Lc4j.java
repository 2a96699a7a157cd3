package io.github.lc4j.core;

import static java.util.Objects.requireNonNull;

import com.google.inject.Guice;
import com.google.inject.Module;
import com.google.inject.Stage;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.registry.BackendRegistry;
import jakarta.inject.Inject;

/**
 * The entry point for host applications: picks a backend and runs training or LC.
 *
 * <pre>{@code
 * Lc4j lc4j = Lc4j.create();
 * LcResult result = lc4j.compress(null, model, reference, data, options, listener);
 * }</pre>
 */
public final class Lc4j {
    private final BackendRegistry registry;
    private final LcAlgorithm algorithm;

    /** Created by Guice; use {@link #create()} or {@link #create(Module...)}. */
    @Inject
    public Lc4j(BackendRegistry registry, LcAlgorithm algorithm) {
        this.registry = requireNonNull(registry, "registry is null");
        this.algorithm = requireNonNull(algorithm, "algorithm is null");
    }

    /** Returns an instance wired by {@link Lc4jModule} with default settings. */
    public static Lc4j create() {
        return create(new Lc4jModule());
    }

    /** Returns an instance wired by {@code modules} (normally an {@link Lc4jModule}, possibly overridden). */
    public static Lc4j create(Module... modules) {
        return Guice.createInjector(Stage.PRODUCTION, modules).getInstance(Lc4j.class);
    }

    /** Returns the registry of backends found on the classpath. */
    public BackendRegistry registry() {
        return registry;
    }

    /** Returns the backend chosen by {@code name} (or the default rule when {@code null}). */
    public Backend backend(String name) {
        return registry.select(name);
    }

    /** Trains a reference net from {@code initial} on {@code backendName} (null: default rule). */
    public Weights train(
            String backendName,
            ModelSpec model,
            Weights initial,
            TrainTestSplit data,
            OptimizerSpec optimizer,
            int epochs,
            long seed,
            LcListener listener) {
        return Training.train(backend(backendName), model, initial, data, optimizer, epochs, seed, listener);
    }

    /** Returns loss and error of {@code weights} on every sample of {@code dataset}. */
    public Evaluation evaluate(
            String backendName, ModelSpec model, Weights weights, io.github.lc4j.core.data.Dataset dataset) {
        try (Evaluator evaluator = backend(backendName).newEvaluator(model)) {
            evaluator.load(weights);
            return DatasetEvaluation.of(evaluator, dataset);
        }
    }

    /** Runs LC from {@code reference} on {@code backendName} (null: default rule). */
    public LcResult compress(
            String backendName,
            ModelSpec model,
            Weights reference,
            TrainTestSplit data,
            LcOptions options,
            LcListener listener) {
        return algorithm.run(backend(backendName), model, reference, data, options, listener);
    }
}
