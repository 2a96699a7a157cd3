package io.github.lc4j.backend.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.zoo.ModelZoo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a backend holds and reports: load, snapshot and restore, evaluation by trainer and
 * evaluator, and the rejection of bad input with a clear exception. Subclass it in the backend's
 * tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class StateConformanceSuite extends ConformanceBase {
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

    protected static double norm(float[] values) {
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
}
