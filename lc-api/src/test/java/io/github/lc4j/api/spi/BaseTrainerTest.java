package io.github.lc4j.api.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The protocol {@link BaseTrainer} owns, checked on a fake backend whose "net" has the loss
 * ½‖w‖² whatever the batch: what reaches the primitives, in which order, and what never does.
 */
class BaseTrainerTest {
    static final ModelSpec DENSE = ModelSpec.of("dense", new int[] {2}, List.of(Layer.dense("d", 2)));
    static final ModelSpec CONV = ModelSpec.of(
            "conv", new int[] {1, 3, 3}, List.of(Layer.conv2d("c", 1, 2, 1, 0), Layer.flatten(), Layer.dense("d", 2)));
    static final Batch BATCH = new Batch(new float[] {1, 2}, new int[] {1});

    /** A backend without capabilities whose trainers log their primitive calls. */
    static final class FakeBackend implements Backend {
        final List<String> calls = new ArrayList<>();

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public Set<Capability> capabilities() {
            return Set.of();
        }

        @Override
        public Trainer newTrainer(ModelSpec model, TrainerOptions options) {
            return new FakeTrainer(this, model, options);
        }
    }

    static final class FakeTrainer extends BaseTrainer {
        private final List<String> calls;
        private final Map<String, float[]> values = new LinkedHashMap<>();
        private final Map<String, float[]> gradients = new LinkedHashMap<>();
        private final Map<String, float[]> velocities = new LinkedHashMap<>();
        private Map<String, float[]> targets = Map.of();

        FakeTrainer(FakeBackend backend, ModelSpec model, TrainerOptions options) {
            super(backend, model, options);
            this.calls = backend.calls;
            model.parameters().forEach(parameter -> velocities.put(parameter.name(), new float[parameter.size()]));
        }

        @Override
        protected void writeParameters(Weights weights) {
            calls.add("write");
            weights.names().forEach(name -> values.put(name, weights.get(name)));
        }

        @Override
        protected Map<String, float[]> readParameters() {
            Map<String, float[]> copies = new LinkedHashMap<>();
            values.forEach((name, value) -> copies.put(name, value.clone()));
            return copies;
        }

        @Override
        protected void resetMomentum() {
            calls.add("reset");
            velocities.values().forEach(velocity -> java.util.Arrays.fill(velocity, 0f));
        }

        @Override
        protected Map<String, float[]> readMomentum() {
            Map<String, float[]> copies = new LinkedHashMap<>();
            velocities.forEach((name, velocity) -> copies.put(name, velocity.clone()));
            return copies;
        }

        @Override
        protected void writeMomentum(Map<String, float[]> momentum) {
            calls.add("momentum");
            momentum.forEach((name, velocity) -> velocities.put(name, velocity.clone()));
        }

        @Override
        protected void writePenalty(Map<String, float[]> newTargets, double mu) {
            calls.add("penalty " + mu);
            targets = newTargets;
        }

        @Override
        protected double computeGradients(Batch batch) {
            calls.add("gradients");
            double loss = 0;
            for (Map.Entry<String, float[]> entry : values.entrySet()) {
                float[] w = entry.getValue();
                float[] g = new float[w.length];
                for (int i = 0; i < w.length; i++) {
                    loss += w[i] * (double) w[i] / 2;
                    g[i] = w[i];
                }
                gradients.put(entry.getKey(), g);
            }
            return loss;
        }

        @Override
        protected Map<String, float[]> readGradients() {
            return new LinkedHashMap<>(gradients);
        }

        @Override
        protected void applyUpdate(double learningRate) {
            calls.add("update");
            float pull = (float) options().penaltyPull(learningRate, penaltyWeight());
            values.forEach((name, w) -> {
                options().update(w, gradients.get(name), velocities.get(name), (float) learningRate);
                if (targets.containsKey(name)) {
                    TrainerOptions.pullTowardTarget(w, targets.get(name), pull, 0, w.length);
                }
            });
        }

        @Override
        protected double forward(Batch batch, int[] predictions) {
            predictions[0] = 0;
            return 0.5;
        }

        @Override
        protected void release() {
            calls.add("release");
        }
    }

    private static Weights weights(float value) {
        Map<String, float[]> values = new LinkedHashMap<>();
        DENSE.parameters().forEach(parameter -> {
            float[] array = new float[parameter.size()];
            java.util.Arrays.fill(array, value);
            values.put(parameter.name(), array);
        });
        return Weights.of(DENSE, values);
    }

    @Test
    void aLayerOutsideTheCapabilitiesIsRejectedAtConstructionNamingLayerAndBackend() {
        FakeBackend backend = new FakeBackend();
        UnsupportedOperationException error = assertThrows(
                UnsupportedOperationException.class, () -> backend.newTrainer(CONV, TrainerOptions.plainSgd()));
        assertTrue(
                error.getMessage().contains("backend fake")
                        && error.getMessage().contains("Conv2d")
                        && error.getMessage().contains("CONV2D"),
                error.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> backend.newEvaluator(CONV));
        assertTrue(backend.calls.isEmpty(), "no primitive may run for a rejected model");
    }

    @Test
    void loadWritesThenResetsMomentumAndStepComputesThenUpdates() {
        FakeBackend backend = new FakeBackend();
        try (Trainer trainer = backend.newTrainer(DENSE, new TrainerOptions(0.5, true))) {
            trainer.load(weights(1));
            trainer.step(BATCH, 0.1);
            // Nesterov from zero velocity: w ← w − lr·(g + m·g) with g = w = 1
            assertArrayEquals(
                    new float[] {0.85f, 0.85f, 0.85f, 0.85f}, trainer.snapshot().get("d.weight"), 1e-7f);
        }
        assertEquals(List.of("write", "reset", "gradients", "update", "release"), backend.calls);
    }

    @Test
    void restoreWritesWeightsThenTheSavedMomentum() {
        FakeBackend backend = new FakeBackend();
        try (Trainer trainer = backend.newTrainer(DENSE, new TrainerOptions(0.5, false))) {
            trainer.load(weights(1));
            trainer.step(BATCH, 0.1);
            Map<String, float[]> momentum = trainer.momentum();
            Weights saved = trainer.snapshot();
            trainer.step(BATCH, 0.1);
            backend.calls.clear();
            trainer.restore(saved, momentum);
            assertEquals(List.of("write", "reset", "momentum"), backend.calls);
            assertEquals(saved, trainer.snapshot());
            assertArrayEquals(momentum.get("d.weight"), trainer.momentum().get("d.weight"), 0f);
        }
    }

    @Test
    void badInputNeverReachesThePrimitives() {
        FakeBackend backend = new FakeBackend();
        Trainer trainer = backend.newTrainer(DENSE, TrainerOptions.plainSgd());
        IllegalStateException early = assertThrows(IllegalStateException.class, () -> trainer.step(BATCH, 0.1));
        assertTrue(early.getMessage().contains("load(weights)"), early.getMessage());
        trainer.load(weights(1));
        backend.calls.clear();
        assertThrows(InvalidInputException.class, () -> trainer.setPenalty(Map.of("nope", new float[1]), 1));
        assertThrows(InvalidInputException.class, () -> trainer.setPenalty(Map.of("d.weight", new float[3]), 1));
        assertThrows(
                InvalidInputException.class,
                () -> trainer.setPenalty(Map.of("d.weight", new float[] {0, Float.NaN, 0, 0}), 1));
        assertThrows(IllegalArgumentException.class, () -> trainer.setPenalty(Map.of(), -1));
        assertThrows(IllegalArgumentException.class, () -> trainer.step(BATCH, Double.NaN));
        assertThrows(InvalidInputException.class, () -> trainer.step(new Batch(new float[3], new int[] {0}), 0.1));
        assertThrows(
                InvalidInputException.class,
                () -> trainer.straightThroughStep(BATCH, Map.of("d.bias", new float[5]), 0.1));
        Map<String, float[]> momentum = new LinkedHashMap<>(trainer.momentum());
        momentum.put("d.weight", new float[] {0, 0, Float.POSITIVE_INFINITY, 0});
        assertThrows(InvalidInputException.class, () -> trainer.restore(weights(2), momentum));
        momentum.remove("d.weight");
        InvalidInputException missing =
                assertThrows(InvalidInputException.class, () -> trainer.restore(weights(2), momentum));
        assertTrue(missing.getMessage().contains("d.weight"), missing.getMessage());
        assertTrue(backend.calls.isEmpty(), "bad input reached a primitive: " + backend.calls);
        trainer.close();
        trainer.close();
        assertEquals(List.of("release"), backend.calls, "close releases once");
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> trainer.load(weights(1)));
        assertTrue(closed.getMessage().contains("fake trainer is closed"), closed.getMessage());
    }

    @Test
    void penaltyTargetsAreCopiedBeforeTheBackendSeesThem() {
        FakeBackend backend = new FakeBackend();
        try (Trainer trainer = backend.newTrainer(DENSE, TrainerOptions.plainSgd())) {
            trainer.load(weights(1));
            float[] target = {0, 0, 0, 0};
            trainer.setPenalty(Map.of("d.weight", target), 2);
            target[0] = 100;
            assertArrayEquals(
                    new float[] {3, 3, 3, 3},
                    trainer.gradients(BATCH).get("d.weight"),
                    "gradient w + μ(w − t) with the target as it was passed");
        }
    }

    @Test
    void aPenalizedStepIsTheProximalStepOnlyForParametersWithATarget() {
        FakeBackend backend = new FakeBackend();
        try (Trainer trainer = backend.newTrainer(DENSE, TrainerOptions.plainSgd())) {
            trainer.load(weights(1));
            trainer.setPenalty(Map.of("d.weight", new float[] {0, 0, 0, 0}), 2);
            trainer.step(BATCH, 0.1);
            // (w − lr·∇L + lr·μ·t)/(1 + lr·μ) = (1 − 0.1)/1.2; the bias has no target: 1 − 0.1
            assertArrayEquals(
                    new float[] {0.75f, 0.75f, 0.75f, 0.75f}, trainer.snapshot().get("d.weight"), 1e-7f);
            assertArrayEquals(new float[] {0.9f, 0.9f}, trainer.snapshot().get("d.bias"), 1e-7f);
        }
    }

    @Test
    void theStraightThroughStepTakesTheGradientAtTheQuantizedWeightsAndMovesTheFloatOnes() {
        FakeBackend backend = new FakeBackend();
        try (Trainer trainer = backend.newTrainer(DENSE, TrainerOptions.plainSgd())) {
            trainer.load(weights(1));
            double loss = trainer.straightThroughStep(BATCH, Map.of("d.weight", new float[] {2, 2, 2, 2}), 0.25);
            assertEquals(4 * 2.0 + 2 * 0.5, loss, 1e-12, "loss at the quantized weights (bias kept at 1)");
            assertArrayEquals(
                    new float[] {0.5f, 0.5f, 0.5f, 0.5f},
                    trainer.snapshot().get("d.weight"),
                    "w ← w − lr·g(quantized) = 1 − 0.25·2");
            assertArrayEquals(new float[] {0.75f, 0.75f}, trainer.snapshot().get("d.bias"));
        }
    }

    @Test
    void evaluationCountsErrorsFromThePredictions() {
        FakeBackend backend = new FakeBackend();
        try (Evaluator evaluator = backend.newEvaluator(DENSE)) {
            evaluator.load(weights(0));
            assertEquals(1, evaluator.evaluate(BATCH).errors(), "label 1, predicted 0");
            assertEquals(
                    0,
                    evaluator.evaluate(new Batch(new float[2], new int[] {0})).errors());
        }
    }

    @Test
    void unknownBackendPropertiesAreNamedWithTheValidKeys() {
        List<BackendProperty> declared =
                List.of(new BackendProperty("fake.a", "1", "a"), new BackendProperty("fake.b", "2", "b"));
        BackendConfig config = BackendConfig.withThreads(1).withProperty("fake.c", "3");
        InvalidInputException error =
                assertThrows(InvalidInputException.class, () -> config.checkKeys("fake", declared));
        assertEquals(
                "unknown backend property 'fake.c' for backend fake; valid keys: fake.a, fake.b", error.getMessage());
        BackendConfig.withThreads(1).withProperty("fake.a", "9").checkKeys("fake", declared);
        assertThrows(
                InvalidInputException.class,
                () -> new BackendConfig(1, Map.of("fake.a", "0")).threadsProperty("fake.a", 1));
    }
}
