package io.github.lc4j.backend.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProperty;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.api.spi.Capability;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Dataset;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.TrainTestSplit;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.zoo.ModelZoo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The conformance suite every backend passes: subclass it in the backend's tests and return the
 * provider. It checks gradients against finite differences, optimizer and penalty semantics,
 * load/snapshot, evaluation, declared capabilities, determinism, the C-step kernels against the
 * pure-Java reference, and that bad input is rejected with a clear exception.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceSuite {
    private static final int CLASSES = 3;

    private Backend backend;

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

    private static Batch randomBatch(ModelSpec model, int size, long seed) {
        return TckFixtures.randomBatch(model, size, seed);
    }

    private static Weights randomWeights(ModelSpec model, long seed) {
        return TckFixtures.randomWeights(model, seed);
    }

    private static Map<String, float[]> randomTargets(ModelSpec model, long seed) {
        return TckFixtures.randomTargets(model, seed);
    }

    private Trainer trainer(ModelSpec model, double momentum, boolean nesterov) {
        return backend.newTrainer(model, new TrainerOptions(momentum, nesterov));
    }

    private boolean supports(ModelSpec model) {
        try {
            backend.checkSupports(model);
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /** Skips the calling test, with the reason in the report, when the backend cannot run {@code model}. */
    private void assumeSupports(ModelSpec model) {
        assumeTrue(
                supports(model),
                () -> "backend " + backend.name() + " lacks a capability model " + model.name() + " needs; it declares "
                        + backend.capabilities());
    }

    // ------------------------------------------------------------------------------- provider

    @Test
    void providerNamesTheBackendItCreates() {
        BackendProvider provider = provider();
        assertFalse(provider.name().isBlank(), "provider name is blank");
        assertEquals(provider.name(), backend.name(), "backend and provider names differ");
        assertNotNull(backend.capabilities(), "capabilities are null");
    }

    // ------------------------------------------------------------------------------- gradients

    @Test
    void denseGradientsMatchFiniteDifferences() {
        checkGradients(denseModel());
    }

    @Test
    void convolutionGradientsMatchFiniteDifferences() {
        assumeSupports(convModel());
        checkGradients(convModel());
    }

    @Test
    void lossAndGradientsAgreeWithEvaluateAndGradients() {
        ModelSpec model = denseModel();
        Weights weights = randomWeights(model, 21);
        Batch batch = randomBatch(model, 6, 22);
        try (Trainer trainer = trainer(model, 0.9, false)) {
            trainer.load(weights);
            trainer.setPenalty(randomTargets(model, 23), 0.2);
            io.github.lc4j.api.spi.LossAndGradients both = trainer.lossAndGradients(batch);
            assertEquals(trainer.evaluate(batch).meanLoss(), both.loss(), 1e-6, "loss of lossAndGradients");
            Map<String, float[]> gradients = trainer.gradients(batch);
            assertEquals(gradients.keySet(), both.gradients().keySet(), "parameters of lossAndGradients");
            gradients.forEach((name, expected) -> assertArrayEquals(
                    expected, both.gradients().get(name), 1e-6f, "gradient of " + name + " from lossAndGradients"));
            assertArrayEquals(
                    weights.get(model.parameters().get(0).name()),
                    trainer.snapshot().get(model.parameters().get(0).name()),
                    "lossAndGradients changed the weights");
        }
    }

    /** Directional finite differences of loss + penalty, one random direction per parameter. */
    private void checkGradients(ModelSpec model) {
        try (Trainer trainer = trainer(model, 0, false)) {
            TckFixtures.checkGradients(trainer, model, randomWeights(model, 11), randomBatch(model, 5, 12));
        }
    }

    // ------------------------------------------------------------------------------- training

    @Test
    void lossDecreasesOnATinyProblem() {
        ModelSpec model = denseModel();
        Batch batch = randomBatch(model, 32, 21);
        try (Trainer trainer = trainer(model, 0.9, true)) {
            trainer.load(WeightInitializer.initialize(model, 22));
            double first = trainer.step(batch, 0.1);
            double last = first;
            for (int i = 0; i < 200; i++) {
                last = trainer.step(batch, 0.1);
            }
            assertTrue(last < 0.5 * first, "loss went from " + first + " to " + last + " in 200 steps");
        }
    }

    @Test
    void stepReturnsTheLossBeforeTheUpdate() {
        ModelSpec model = denseModel();
        Batch batch = randomBatch(model, 8, 23);
        try (Trainer trainer = trainer(model, 0, false)) {
            trainer.load(randomWeights(model, 24));
            double evaluated = trainer.evaluate(batch).meanLoss();
            double stepped = trainer.step(batch, 0.1);
            assertEquals(evaluated, stepped, 1e-5 * Math.max(1, Math.abs(evaluated)));
            assertTrue(trainer.evaluate(batch).meanLoss() < evaluated, "one SGD step did not lower the loss");
        }
    }

    @Test
    void sgdMomentumAndNesterovFollowTheirUpdateRules() {
        ModelSpec model = denseModel();
        Batch first = randomBatch(model, 8, 25);
        Batch second = randomBatch(model, 8, 26);
        double lr = 0.05;
        double m = 0.9;
        for (boolean nesterov : new boolean[] {false, true}) {
            Weights start = randomWeights(model, 27);
            try (Trainer trainer = trainer(model, m, nesterov);
                    Trainer probe = trainer(model, 0, false)) {
                trainer.load(start);
                probe.load(start);
                Map<String, float[]> g1 = probe.gradients(first);
                trainer.step(first, lr);
                Weights afterFirst = trainer.snapshot();
                probe.load(afterFirst);
                Map<String, float[]> g2 = probe.gradients(second);
                trainer.step(second, lr);
                Weights afterSecond = trainer.snapshot();
                for (String name : start.names()) {
                    float[] w0 = start.get(name);
                    float[] w1 = afterFirst.get(name);
                    float[] w2 = afterSecond.get(name);
                    for (int i = 0; i < w0.length; i++) {
                        double v1 = g1.get(name)[i];
                        double expected1 = w0[i] - lr * (nesterov ? g1.get(name)[i] + m * v1 : v1);
                        double v2 = m * v1 + g2.get(name)[i];
                        double expected2 = w1[i] - lr * (nesterov ? g2.get(name)[i] + m * v2 : v2);
                        assertEquals(
                                expected1,
                                w1[i],
                                1e-5,
                                (nesterov ? "Nesterov" : "momentum") + " step 1 of " + name + "[" + i + "]");
                        assertEquals(
                                expected2,
                                w2[i],
                                1e-5,
                                (nesterov ? "Nesterov" : "momentum") + " step 2 of " + name + "[" + i + "]");
                    }
                }
            }
        }
    }

    // -------------------------------------------------------------------------------- penalty

    @Test
    void penaltyGradientIsMuTimesDistanceToTarget() {
        ModelSpec model = denseModel();
        Weights weights = randomWeights(model, 31);
        Batch batch = randomBatch(model, 8, 32);
        Map<String, float[]> targets = randomTargets(model, 33);
        double mu = 2.5;
        try (Trainer trainer = trainer(model, 0, false)) {
            trainer.load(weights);
            Map<String, float[]> plain = trainer.gradients(batch);
            trainer.setPenalty(targets, mu);
            Map<String, float[]> penalized = trainer.gradients(batch);
            for (String name : weights.names()) {
                float[] w = weights.get(name);
                float[] target = targets.get(name);
                for (int i = 0; i < w.length; i++) {
                    double expected = target == null ? 0 : mu * (w[i] - target[i]);
                    assertEquals(
                            expected,
                            penalized.get(name)[i] - plain.get(name)[i],
                            1e-5 * (1 + Math.abs(expected)),
                            "penalty gradient of " + name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void hugeMuPullsTheWeightsOntoTheTarget() {
        ModelSpec model = denseModel();
        Batch batch = randomBatch(model, 8, 34);
        Map<String, float[]> targets = randomTargets(model, 35);
        double mu = 1e4;
        try (Trainer trainer = trainer(model, 0, false)) {
            trainer.load(randomWeights(model, 36));
            trainer.setPenalty(targets, mu);
            for (int i = 0; i < 60; i++) {
                trainer.step(batch, 0.5 / mu);
            }
            Weights result = trainer.snapshot();
            for (Map.Entry<String, float[]> target : targets.entrySet()) {
                assertArrayEquals(
                        target.getValue(),
                        result.get(target.getKey()),
                        1e-3f,
                        "with μ=1e4 the weights of " + target.getKey() + " should sit on their target");
            }
        }
    }

    @Test
    void zeroMuHasNoEffect() {
        ModelSpec model = denseModel();
        Weights start = randomWeights(model, 37);
        try (Trainer plain = trainer(model, 0.9, true);
                Trainer penalized = trainer(model, 0.9, true)) {
            plain.load(start);
            penalized.load(start);
            penalized.setPenalty(randomTargets(model, 38), 0);
            for (int i = 0; i < 5; i++) {
                Batch batch = randomBatch(model, 8, 39 + i);
                plain.step(batch, 0.05);
                penalized.step(batch, 0.05);
            }
            assertWeightsClose(plain.snapshot(), penalized.snapshot(), tolerance(), "μ = 0 changed the steps");
        }
    }

    @Test
    void clearPenaltyRemovesIt() {
        ModelSpec model = denseModel();
        Weights start = randomWeights(model, 40);
        Batch batch = randomBatch(model, 8, 41);
        try (Trainer trainer = trainer(model, 0, false)) {
            trainer.load(start);
            Map<String, float[]> plain = trainer.gradients(batch);
            trainer.setPenalty(randomTargets(model, 42), 5);
            trainer.clearPenalty();
            Map<String, float[]> cleared = trainer.gradients(batch);
            for (String name : plain.keySet()) {
                assertArrayEquals(plain.get(name), cleared.get(name), (float) tolerance(), name);
            }
        }
    }

    // ------------------------------------------------------------------------ load / snapshot

    @Test
    void snapshotReturnsWhatWasLoadedAndTracksSteps() {
        ModelSpec model = denseModel();
        Weights start = randomWeights(model, 51);
        try (Trainer trainer = trainer(model, 0.9, false)) {
            trainer.load(start);
            assertEquals(start, trainer.snapshot(), "snapshot after load differs from the loaded weights");
            trainer.step(randomBatch(model, 8, 52), 0.1);
            assertFalse(start.equals(trainer.snapshot()), "a step did not change the weights");
            trainer.load(start);
            assertEquals(start, trainer.snapshot(), "reloading did not restore the weights");
        }
    }

    @Test
    void loadResetsMomentum() {
        ModelSpec model = denseModel();
        Weights start = randomWeights(model, 53);
        Batch batch = randomBatch(model, 8, 54);
        try (Trainer fresh = trainer(model, 0.9, false);
                Trainer reused = trainer(model, 0.9, false)) {
            reused.load(start);
            reused.step(randomBatch(model, 8, 55), 0.1);
            reused.load(start);
            fresh.load(start);
            reused.step(batch, 0.1);
            fresh.step(batch, 0.1);
            assertWeightsClose(fresh.snapshot(), reused.snapshot(), tolerance(), "load kept old momentum");
        }
    }

    @Test
    void restoreContinuesWithTheSavedMomentum() {
        ModelSpec model = convModel();
        Weights start = randomWeights(model, 56);
        Batch batch = randomBatch(model, 8, 57);
        try (Trainer original = trainer(model, 0.9, true);
                Trainer restored = trainer(model, 0.9, true)) {
            original.load(start);
            original.step(randomBatch(model, 8, 58), 0.1);
            original.step(randomBatch(model, 8, 59), 0.1);
            Map<String, float[]> momentum = original.momentum();
            assertTrue(
                    momentum.values().stream().anyMatch(v -> norm(v) > 0),
                    "momentum is zero after two steps with momentum 0.9");
            restored.load(randomWeights(model, 60));
            restored.step(randomBatch(model, 8, 61), 0.1);
            restored.restore(original.snapshot(), momentum);
            assertWeightsClose(original.snapshot(), restored.snapshot(), 0, "restore did not load the weights");
            original.step(batch, 0.1);
            restored.step(batch, 0.1);
            assertWeightsClose(
                    original.snapshot(), restored.snapshot(), tolerance(), "restored trainer stepped differently");
            Map<String, float[]> partial = new LinkedHashMap<>(momentum);
            partial.remove(model.parameters().get(0).name());
            InvalidInputException missing =
                    assertThrows(InvalidInputException.class, () -> restored.restore(start, partial));
            assertTrue(missing.getMessage().contains(model.parameters().get(0).name()), missing.getMessage());
        }
    }

    private static double norm(float[] values) {
        double sum = 0;
        for (float value : values) {
            sum += (double) value * value;
        }
        return Math.sqrt(sum);
    }

    // ----------------------------------------------------------------------------- evaluation

    @Test
    void evaluateCountsErrorsAndLossOfZeroWeights() {
        ModelSpec model = denseModel();
        Map<String, float[]> zeros = new LinkedHashMap<>();
        for (ParameterSpec parameter : model.parameters()) {
            zeros.put(parameter.name(), new float[parameter.size()]);
        }
        Batch batch = randomBatch(model, 30, 61);
        try (Trainer trainer = trainer(model, 0, false)) {
            trainer.load(Weights.of(model, zeros));
            Evaluation evaluation = trainer.evaluate(batch);
            int notClassZero = 0;
            for (int label : batch.labels()) {
                notClassZero += label != 0 ? 1 : 0;
            }
            assertEquals(30, evaluation.count());
            assertEquals(Math.log(CLASSES), evaluation.meanLoss(), 1e-5, "uniform scores give loss ln(classes)");
            assertEquals(notClassZero, evaluation.errors(), "tied scores must predict class 0");
        }
    }

    @Test
    void trainedTinyProblemIsClassifiedWithoutErrors() {
        ModelSpec model = denseModel();
        Batch batch = randomBatch(model, 16, 62);
        try (Trainer trainer = trainer(model, 0.9, true)) {
            trainer.load(WeightInitializer.initialize(model, 63));
            for (int i = 0; i < 400; i++) {
                trainer.step(batch, 0.1);
            }
            assertEquals(0, trainer.evaluate(batch).errors(), "16 samples were not memorised in 400 steps");
        }
    }

    @Test
    void lenet300TakesAStep() {
        ModelSpec model = ModelZoo.lenet300Tanh();
        Batch batch = randomBatch(model, 4, 64);
        try (Trainer trainer = trainer(model, 0.9, true)) {
            trainer.load(WeightInitializer.initialize(model, 65));
            double before = trainer.evaluate(batch).meanLoss();
            for (int i = 0; i < 5; i++) {
                trainer.step(batch, 0.05);
            }
            assertTrue(trainer.evaluate(batch).meanLoss() < before, "LeNet300 did not learn a 4-sample batch");
        }
    }

    // ---------------------------------------------------------------------------- capabilities

    // -------------------------------------------------------------------------------- evaluator

    @Test
    void evaluatorAgreesWithTheTrainer() {
        ModelSpec model = supports(convModel()) ? convModel() : denseModel();
        Weights weights = randomWeights(model, 73);
        Batch batch = randomBatch(model, 12, 74);
        try (Trainer trainer = trainer(model, 0, false);
                Evaluator evaluator = backend.newEvaluator(model)) {
            trainer.load(weights);
            evaluator.load(weights);
            Evaluation expected = trainer.evaluate(batch);
            Evaluation actual = evaluator.evaluate(batch);
            assertEquals(expected.errors(), actual.errors(), "errors");
            assertEquals(expected.meanLoss(), actual.meanLoss(), 1e-5 * Math.max(1, expected.meanLoss()), "loss");
        }
        Evaluator closed = backend.newEvaluator(model);
        assertThrows(IllegalStateException.class, () -> closed.evaluate(batch), "evaluate before load must fail");
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.load(weights), "load after close must fail");
    }

    // ------------------------------------------------------------------------- straight-through

    @Test
    void straightThroughStepAppliesTheQuantizedGradientToTheFloatWeights() {
        ModelSpec model = denseModel();
        Weights floats = randomWeights(model, 75);
        Map<String, float[]> quantized = randomTargets(model, 76);
        Batch batch = randomBatch(model, 8, 77);
        double lr = 0.05;
        double m = 0.9;
        Map<String, float[]> evaluationPoint = floats.toMap();
        evaluationPoint.putAll(quantized);
        try (Trainer trainer = trainer(model, m, true);
                Trainer probe = trainer(model, 0, false)) {
            probe.load(Weights.of(model, evaluationPoint));
            Map<String, float[]> gradient = probe.gradients(batch);
            double expectedLoss = probe.evaluate(batch).meanLoss();
            trainer.load(floats);
            double loss = trainer.straightThroughStep(batch, quantized, lr);
            assertEquals(expectedLoss, loss, 1e-5 * Math.max(1, expectedLoss), "loss at the quantized weights");
            Weights after = trainer.snapshot();
            for (String name : floats.names()) {
                float[] w = floats.get(name);
                for (int i = 0; i < w.length; i++) {
                    double g = gradient.get(name)[i];
                    double expected = w[i] - lr * (g + m * g);
                    assertEquals(
                            expected,
                            after.get(name)[i],
                            1e-5,
                            "straight-through step of " + name + "[" + i
                                    + "]: the float weights move by the gradient taken at the quantized ones");
                }
            }
            assertThrows(
                    InvalidInputException.class,
                    () -> trainer.straightThroughStep(batch, Map.of("d1.weight", new float[3]), lr),
                    "quantized weights of the wrong size");
        }
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

    /**
     * An LC run stopped inside an L step and resumed from its checkpoint ends where the
     * uninterrupted run ends: bit for bit on a deterministic backend, within 0.2 points of test
     * error (and the run-to-run tolerance on the weights) otherwise.
     */
    @Test
    void aStoppedRunResumesFromItsCheckpoint(@org.junit.jupiter.api.io.TempDir java.nio.file.Path folder) {
        ModelSpec model = denseModel();
        Weights reference = randomWeights(model, 95);
        Lc4j lc4j = Lc4j.builder()
                // only the provider under test: a class loader that finds no services
                .classLoader(new ClassLoader(null) {})
                .addProvider(provider())
                .backend(provider().name())
                .threads(threads())
                .build();
        Dataset train = randomDataset(model, 600, 96);
        TrainTestSplit data = new TrainTestSplit(train, randomDataset(model, 1000, 97), "random");
        java.util.function.Function<LcListener, CompressionRequest.Builder> request =
                listener -> CompressionRequest.builder()
                        .model(model)
                        .reference(reference)
                        .data(data)
                        .codebook(Codebook.adaptive(2))
                        .schedule(MuSchedule.exponential(0.01, 2, 3))
                        .optimizer(OptimizerSpec.builder()
                                .optLearningRate(0.05)
                                .optBatchSize(50)
                                .optEpochsPerStep(2)
                                .build())
                        .listener(listener);
        LcResult uninterrupted = lc4j.compress(request.apply(LcListener.NONE).build());
        LcListener stopInTheSecondLStep = new LcListener() {
            @Override
            public void onProgress(String phase, long done, long total, double recentLoss) {
                if (phase.startsWith("L step 2") && done >= 17) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        assertThrows(
                java.util.concurrent.CancellationException.class,
                () -> lc4j.compress(request.apply(stopInTheSecondLStep)
                        .checkpoints(folder)
                        .checkpointInterval(java.time.Duration.ofHours(1))
                        .build()));
        assertTrue(Thread.interrupted(), "the interrupt stays set for the caller to see");
        LcResult resumed =
                lc4j.compress(request.apply(LcListener.NONE).resumeFrom(folder).build());
        if (backend.capabilities().contains(Capability.DETERMINISTIC)) {
            assertWeightsClose(uninterrupted.quantized(), resumed.quantized(), 0, "resumed run ended elsewhere");
        }
        Evaluation before = lc4j.evaluate(model, uninterrupted.quantized(), data.test());
        Evaluation after = lc4j.evaluate(model, resumed.quantized(), data.test());
        assertEquals(before.errorRate(), after.errorRate(), 0.002, "test error of the resumed run");
    }

    private static Dataset randomDataset(ModelSpec model, int size, long seed) {
        Batch batch = randomBatch(model, size, seed);
        return new Dataset("random-" + seed, model.inputShape(), batch.inputs(), batch.labels());
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

    private static Weights run(Backend backend, ModelSpec model) {
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

    // ------------------------------------------------------------------------------- bad input

    @Test
    void batchOfTheWrongShapeIsRejected() {
        ModelSpec model = denseModel();
        try (Trainer trainer = trainer(model, 0, false)) {
            trainer.load(randomWeights(model, 101));
            Batch wrong = new Batch(new float[2 * 7], new int[] {0, 1});
            InvalidInputException error = assertThrows(InvalidInputException.class, () -> trainer.step(wrong, 0.1));
            assertTrue(error.getMessage().contains("7"), "message should name the bad size: " + error.getMessage());
            Batch badLabel = new Batch(new float[6], new int[] {CLASSES});
            assertThrows(InvalidInputException.class, () -> trainer.evaluate(badLabel));
        }
    }

    @Test
    void weightsOfAnotherModelAreRejected() {
        ModelSpec model = denseModel();
        ModelSpec other =
                ModelSpec.of("tck-other", new int[] {6}, List.of(Layer.dense("d1", 7), Layer.dense("d3", CLASSES)));
        try (Trainer trainer = trainer(model, 0, false)) {
            InvalidInputException error =
                    assertThrows(InvalidInputException.class, () -> trainer.load(randomWeights(other, 102)));
            assertTrue(
                    error.getMessage().contains("d1.weight")
                            || error.getMessage().contains("d2"),
                    "message should name the parameter: " + error.getMessage());
        }
    }

    @Test
    void nonFinitePenaltyTargetsAreRejected() {
        ModelSpec model = denseModel();
        try (Trainer trainer = trainer(model, 0, false)) {
            trainer.load(randomWeights(model, 104));
            Map<String, float[]> targets = randomTargets(model, 105);
            targets.get("d1.weight")[0] = Float.POSITIVE_INFINITY;
            InvalidInputException targetError =
                    assertThrows(InvalidInputException.class, () -> trainer.setPenalty(targets, 1));
            assertTrue(targetError.getMessage().contains("d1.weight"), targetError.getMessage());
            assertThrows(InvalidInputException.class, () -> trainer.setPenalty(Map.of("nope", new float[1]), 1));
            assertThrows(InvalidInputException.class, () -> trainer.setPenalty(Map.of("d1.weight", new float[2]), 1));
            assertThrows(IllegalArgumentException.class, () -> trainer.setPenalty(Map.of(), -1));
            assertThrows(IllegalArgumentException.class, () -> trainer.setPenalty(Map.of(), Double.NaN));
        }
    }

    @Test
    void useBeforeLoadAndAfterCloseFailsClearly() {
        ModelSpec model = denseModel();
        Trainer trainer = trainer(model, 0, false);
        RuntimeException early =
                assertThrows(RuntimeException.class, () -> trainer.step(randomBatch(model, 2, 1), 0.1));
        assertTrue(early.getMessage().contains("load"), early.getMessage());
        trainer.close();
        assertThrows(IllegalStateException.class, () -> trainer.load(randomWeights(model, 1)));
    }

    // --------------------------------------------------------------------------------- helpers

    private double tolerance() {
        return backend.capabilities().contains(Capability.DETERMINISTIC) ? 0 : runToRunTolerance();
    }

    private static void assertWeightsClose(Weights expected, Weights actual, double tolerance, String message) {
        for (String name : expected.names()) {
            assertArrayEquals(expected.get(name), actual.get(name), (float) tolerance, message + " (" + name + ")");
        }
    }
}
