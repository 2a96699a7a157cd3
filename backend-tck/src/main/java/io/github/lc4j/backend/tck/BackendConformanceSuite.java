package io.github.lc4j.backend.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProperty;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.api.spi.Capability;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A backend's contract with lc4j: its provider and declared properties, loss parity with a
 * reference backend, determinism and thread-count independence where declared, results that do
 * not depend on earlier batch sizes, and the C-step kernels against the pure-Java reference.
 * Subclass it in the backend's tests, beside the other suites of {@link ConformanceBase}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceSuite extends ConformanceBase {
    // ------------------------------------------------------------------------------- provider

    @Test
    void providerNamesTheBackendItCreates() {
        BackendProvider provider = provider();
        assertFalse(provider.name().isBlank(), "provider name is blank");
        assertEquals(provider.name(), backend.name(), "backend and provider names differ");
        assertNotNull(backend.capabilities(), "capabilities are null");
    }

    // ------------------------------------------------------------------------------- properties

    @Test
    void declaredPropertiesAreWellFormedAndUnknownKeysAreNamed() {
        List<BackendProperty> declared = provider().properties();
        for (BackendProperty property : declared) {
            assertTrue(
                    property.key().startsWith(provider().name() + "."),
                    "property " + property.key() + " must be prefixed with the backend's name");
        }
        BackendConfig misspelt =
                BackendConfig.withThreads(1).withProperty(provider().name() + ".no-such-key", "1");
        InvalidInputException error = assertThrows(
                InvalidInputException.class, () -> misspelt.checkKeys(provider().name(), declared));
        assertTrue(error.getMessage().contains("no-such-key"), error.getMessage());
        declared.forEach(property -> assertTrue(
                error.getMessage().contains(property.key()),
                "the error must list the valid key " + property.key() + ": " + error.getMessage()));
    }

    // ---------------------------------------------------------------------------------- parity

    @Test
    void lenet300LossesFollowTheReferenceBackend() {
        BackendProvider reference = referenceProvider();
        assumeTrue(reference != null, () -> "backend " + backend.name() + " is the reference; nothing to follow");
        double worst = LossParity.worstRelativeLossDifference(
                reference.create(BackendConfig.withThreads(threads())), backend, 100);
        assertTrue(
                worst <= lossParityTolerance(),
                backend.name() + " per-step losses drifted from " + reference.name() + "'s by " + worst
                        + " over 100 LeNet300 steps");
    }

    @Test
    void deterministicBackendsRepeatThemselves() {
        assumeTrue(
                backend.capabilities().contains(Capability.DETERMINISTIC),
                () -> "backend " + backend.name() + " does not declare DETERMINISTIC");
        ModelSpec model = supports(convModel()) ? convModel() : denseModel();
        assertEquals(run(backend, model), run(backend, model), "two identical runs differ");
    }

    @Test
    void threadCountIndependentBackendsIgnoreTheThreadCount() {
        assumeTrue(
                backend.capabilities().contains(Capability.THREAD_COUNT_INDEPENDENT),
                () -> "backend " + backend.name() + " does not declare THREAD_COUNT_INDEPENDENT");
        ModelSpec model = supports(convModel()) ? convModel() : denseModel();
        Backend oneThread = provider().create(BackendConfig.withThreads(1));
        Backend moreThreads = provider().create(BackendConfig.withThreads(Math.max(2, threads())));
        assertEquals(run(oneThread, model), run(moreThreads, model), "results depend on the thread count");
    }

    /** Backends that keep arrays between calls must not let a batch of another size leave anything behind. */
    @Test
    void resultsDoNotDependOnEarlierBatchSizes() {
        ModelSpec model = supports(convModel()) ? convModel() : denseModel();
        Batch batch = randomBatch(model, 6, 91);
        try (Trainer trainer = trainer(model, 0, false)) {
            trainer.load(randomWeights(model, 92));
            trainer.setPenalty(randomTargets(model, 93), 0.2);
            Map<String, float[]> first = trainer.gradients(batch);
            double firstLoss = trainer.evaluate(batch).meanLoss();
            trainer.evaluate(randomBatch(model, 11, 94));
            trainer.gradients(randomBatch(model, 3, 95));
            trainer.step(randomBatch(model, 9, 96), 0.0);
            Map<String, float[]> again = trainer.gradients(batch);
            for (String name : first.keySet()) {
                assertArrayEquals(first.get(name), again.get(name), name + " gradient changed after other batch sizes");
            }
            assertEquals(firstLoss, trainer.evaluate(batch).meanLoss(), 0.0, "loss changed after other batch sizes");
        }
    }

    protected static Weights run(Backend backend, ModelSpec model) {
        try (Trainer trainer = backend.newTrainer(model, new TrainerOptions(0.9, true))) {
            trainer.load(randomWeights(model, 81));
            trainer.setPenalty(randomTargets(model, 82), 0.1);
            for (int i = 0; i < 4; i++) {
                trainer.step(randomBatch(model, 20, 83 + i), 0.05);
            }
            return trainer.snapshot();
        }
    }

    // --------------------------------------------------------------------------------- kernels

    @Test
    void cStepKernelsMatchTheReference() {
        CStepKernels kernels = backend.cStepKernels();
        CStepKernels reference = CStepKernels.DEFAULT;
        SplittableRandom random = new SplittableRandom(91);
        float[] codebook = {-1.5f, -0.25f, 0f, 0.5f, 2f};
        int n = 10_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 10 == 0 ? (codebook[i / 10 % 4] + codebook[i / 10 % 4 + 1]) / 2 : (float) random.nextGaussian();
        }
        int[] expected = new int[n];
        int[] actual = new int[n];
        reference.assign(x, codebook, expected);
        kernels.assign(x, codebook, actual);
        assertArrayEquals(expected, actual, "assignments differ from the reference (ties go to the lower entry)");

        float[] expectedQuantized = new float[n];
        float[] actualQuantized = new float[n];
        reference.reconstruct(expected, codebook, expectedQuantized);
        kernels.reconstruct(expected, codebook, actualQuantized);
        assertArrayEquals(expectedQuantized, actualQuantized, "reconstruction differs from the reference");

        float[] multipliers = new float[n];
        for (int i = 0; i < n; i++) {
            multipliers[i] = (float) random.nextGaussian();
        }
        float[] expectedMultipliers = multipliers.clone();
        float[] actualMultipliers = multipliers.clone();
        reference.updateMultipliers(expectedMultipliers, x, expectedQuantized, 0.37);
        kernels.updateMultipliers(actualMultipliers, x, expectedQuantized, 0.37);
        for (int i = 0; i < n; i++) {
            assertTrue(
                    Math.abs(expectedMultipliers[i] - actualMultipliers[i]) <= Math.ulp(expectedMultipliers[i]),
                    "multiplier " + i + " differs by more than 1 ulp");
        }
        double expectedDistortion = reference.distortion(x, expectedQuantized);
        assertEquals(expectedDistortion, kernels.distortion(x, expectedQuantized), 1e-6 * expectedDistortion);
    }
}
