package io.github.lc4j.backend.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.core.WeightInitializer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * How a backend trains: gradients against finite differences, SGD with momentum and Nesterov, the
 * LC penalty's semantics, and the straight-through step. Subclass it in the backend's tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TrainingConformanceSuite extends ConformanceBase {
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
    protected void checkGradients(ModelSpec model) {
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

    /**
     * The penalty is treated exactly: a penalized step is the momentum update of the loss
     * gradient alone, then the pull w ← u − c·(u − t) of {@link TrainerOptions#penaltyPull},
     * checked over two steps against a probe's loss gradients.
     */
    @Test
    void aPenalizedStepIsTheUpdateOfTheLossGradientThenTheProximalPull() {
        TckFixtures.checkProximalSteps(backend, denseModel());
    }

    /** μ = 10⁴ at lr 0.1 with Nesterov momentum: the explicit step would diverge at once (lr·μ ≫ 2). */
    @Test
    void hugeMuAtALargeLearningRateStaysFiniteAndConvergesToTheTarget() {
        ModelSpec model = denseModel();
        Map<String, float[]> targets = randomTargets(model, 35);
        try (Trainer trainer = trainer(model, 0.9, true)) {
            trainer.load(randomWeights(model, 36));
            trainer.setPenalty(targets, 1e4);
            for (int i = 0; i < 40; i++) {
                double loss = trainer.step(randomBatch(model, 8, 100 + i), 0.1);
                assertTrue(Double.isFinite(loss), "loss at step " + i + " is " + loss);
            }
            Weights result = trainer.snapshot();
            for (Map.Entry<String, float[]> target : targets.entrySet()) {
                float[] w = result.get(target.getKey());
                for (float value : w) {
                    assertTrue(Float.isFinite(value), target.getKey() + " has a non-finite weight");
                }
                assertArrayEquals(
                        target.getValue(),
                        w,
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
}
