package io.github.lc4j.backend.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Capability;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * What the focused conformance suites share: the backend under test (created once per suite from
 * {@link #provider()}), its reference, tolerances, the small models, seeded data and helpers. A
 * backend's tests subclass each suite once: {@link BackendConformanceSuite},
 * {@link TrainingConformanceSuite}, {@link StateConformanceSuite} and {@link GraphConformanceSuite}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ConformanceBase {
    protected static final int CLASSES = 3;

    /** The backend under test, created once per suite instance. */
    protected Backend backend;

    /** Returns the provider of the backend under test. */
    protected abstract BackendProvider provider();

    /** Returns the threads the backend may use in the suite. */
    protected int threads() {
        return 2;
    }

    /**
     * Returns the provider of the backend whose per-step losses this backend must follow, or
     * null when the backend under test is itself the reference (the parity test is then skipped).
     */
    protected BackendProvider referenceProvider() {
        return null;
    }

    /** Largest relative difference of per-step losses allowed over the parity run (float32 rounding). */
    protected double lossParityTolerance() {
        return 1e-5;
    }

    /** Absolute tolerance for comparing two runs on a backend that is not deterministic. */
    protected double runToRunTolerance() {
        return 1e-6;
    }

    @BeforeAll
    final void createBackend() {
        backend = provider().create(BackendConfig.withThreads(threads()));
    }

    /** Returns the backend under test. */
    protected final Backend backend() {
        return backend;
    }

    // ----------------------------------------------------------------------------------- models

    /** Dense model with tanh and ReLU: 6 inputs, 5 tanh, 4 relu, 3 classes. */
    protected static ModelSpec denseModel() {
        return ModelSpec.of(
                "tck-dense",
                new int[] {6},
                List.of(
                        Layer.dense("d1", 5),
                        Layer.tanh(),
                        Layer.dense("d2", 4),
                        Layer.relu(),
                        Layer.dense("d3", CLASSES)));
    }

    /** Convolutional model: padded and strided convolutions, max pooling, flatten, dense. */
    protected static ModelSpec convModel() {
        return ModelSpec.of(
                "tck-conv",
                new int[] {2, 7, 7},
                List.of(
                        Layer.conv2d("c1", 3, 3, 2, 1),
                        Layer.relu(),
                        Layer.maxPool(2, 2),
                        Layer.conv2d("c2", 4, 2, 1, 0),
                        Layer.tanh(),
                        Layer.flatten(),
                        Layer.dense("d1", CLASSES)));
    }

    protected static Batch randomBatch(ModelSpec model, int size, long seed) {
        return TckFixtures.randomBatch(model, size, seed);
    }

    protected static Weights randomWeights(ModelSpec model, long seed) {
        return TckFixtures.randomWeights(model, seed);
    }

    protected static Map<String, float[]> randomTargets(ModelSpec model, long seed) {
        return TckFixtures.randomTargets(model, seed);
    }

    protected Trainer trainer(ModelSpec model, double momentum, boolean nesterov) {
        return backend.newTrainer(model, new TrainerOptions(momentum, nesterov));
    }

    protected boolean supports(ModelSpec model) {
        try {
            backend.checkSupports(model);
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /** Skips the calling test, with the reason in the report, when the backend cannot run {@code model}. */
    protected void assumeSupports(ModelSpec model) {
        assumeTrue(
                supports(model),
                () -> "backend " + backend.name() + " lacks a capability model " + model.name() + " needs; it declares "
                        + backend.capabilities());
    }

    // --------------------------------------------------------------------------------- helpers

    protected double tolerance() {
        return backend.capabilities().contains(Capability.DETERMINISTIC) ? 0 : runToRunTolerance();
    }

    protected static void assertWeightsClose(Weights expected, Weights actual, double tolerance, String message) {
        for (String name : expected.names()) {
            assertArrayEquals(expected.get(name), actual.get(name), (float) tolerance, message + " (" + name + ")");
        }
    }
}
