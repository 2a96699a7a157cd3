package io.github.lc4j.backend.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Seeded data and the finite-difference gradient check the conformance suites share. */
public final class TckFixtures {
    private TckFixtures() {}

    /** Returns {@code size} samples of standard normal inputs with uniform labels. */
    public static Batch randomBatch(ModelSpec model, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] inputs = new float[size * model.inputSize()];
        int[] labels = new int[size];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(model.classCount());
        }
        return new Batch(inputs, labels);
    }

    /**
     * Returns normal weights with standard deviation 0.5; running variances are drawn in
     * [0.5, 1.5) so that inference stays finite.
     */
    public static Weights randomWeights(ModelSpec model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        for (ParameterSpec parameter : model.parameters()) {
            float[] array = new float[parameter.size()];
            for (int i = 0; i < array.length; i++) {
                array[i] = parameter.role() == ParameterSpec.Role.RUNNING_VARIANCE
                        ? (float) (0.5 + random.nextDouble())
                        : (float) (random.nextGaussian() * 0.5);
            }
            values.put(parameter.name(), array);
        }
        return Weights.of(model, values);
    }

    /**
     * Checks the penalized step on {@code model}: two steps of plain SGD, heavy ball and Nesterov
     * must each be the momentum update of a probe's loss gradient (training mode, no penalty),
     * then the pull w ← u − c·(u − t) of {@link TrainerOptions#penaltyPull}, for the trained
     * parameters (the running statistics move on their own).
     */
    static void checkProximalSteps(io.github.lc4j.api.spi.Backend backend, ModelSpec model) {
        Map<String, float[]> targets = randomTargets(model, 43);
        double lr = 0.05;
        double mu = 3;
        for (TrainerOptions options : new TrainerOptions[] {
            TrainerOptions.plainSgd(), new TrainerOptions(0.9, false), new TrainerOptions(0.9, true)
        }) {
            Weights start = randomWeights(model, 44);
            try (Trainer trainer = backend.newTrainer(model, options);
                    Trainer probe = backend.newTrainer(model, TrainerOptions.plainSgd())) {
                trainer.load(start);
                trainer.setPenalty(targets, mu);
                Map<String, float[]> expected = start.toMap();
                Map<String, float[]> velocity = new LinkedHashMap<>();
                model.trainableParameters().forEach(p -> velocity.put(p.name(), new float[p.size()]));
                float pull = (float) options.penaltyPull(lr, mu);
                for (int step = 0; step < 2; step++) {
                    Batch batch = randomBatch(model, 8, 45 + step);
                    probe.load(Weights.of(model, expected));
                    Map<String, float[]> g = probe.gradients(batch);
                    for (ParameterSpec parameter : model.trainableParameters()) {
                        float[] w = expected.get(parameter.name());
                        options.update(w, g.get(parameter.name()), velocity.get(parameter.name()), (float) lr);
                        if (targets.containsKey(parameter.name())) {
                            TrainerOptions.pullTowardTarget(w, targets.get(parameter.name()), pull, 0, w.length);
                        }
                    }
                    trainer.step(batch, lr);
                    Weights actual = trainer.snapshot();
                    for (ParameterSpec parameter : model.trainableParameters()) {
                        float[] want = expected.get(parameter.name());
                        float[] got = actual.get(parameter.name());
                        for (int i = 0; i < want.length; i++) {
                            assertEquals(
                                    want[i],
                                    got[i],
                                    1e-5 * (1 + Math.abs(want[i])),
                                    options + ": penalized step " + (step + 1) + " of " + model.name() + ", "
                                            + parameter.name() + "[" + i + "] is not the proximal step");
                        }
                    }
                    // the next probe starts from the trainer's running statistics, as the trainer does
                    actual.toMap().forEach((name, values) -> {
                        if (!velocity.containsKey(name)) {
                            expected.put(name, values);
                        }
                    });
                }
            }
        }
    }

    /** Returns random penalty targets for the weights (the parameters LC quantizes by default). */
    public static Map<String, float[]> randomTargets(ModelSpec model, long seed) {
        Map<String, float[]> targets = new LinkedHashMap<>();
        Weights random = randomWeights(model, seed);
        for (ParameterSpec parameter : model.parameters()) {
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                targets.put(parameter.name(), random.get(parameter.name()));
            }
        }
        return targets;
    }

    /**
     * Checks {@code trainer}'s gradients of the training-mode loss plus the penalty against
     * central finite differences along one random direction per trainable parameter. Every
     * node's input gradient is checked through the parameters upstream of it.
     */
    public static void checkGradients(Trainer trainer, ModelSpec model, Weights weights, Batch batch) {
        Map<String, float[]> targets = randomTargets(model, 13);
        double mu = 0.3;
        trainer.load(weights);
        trainer.setPenalty(targets, mu);
        Map<String, float[]> gradients = trainer.gradients(batch);
        assertEquals(
                model.trainableParameters().size(),
                gradients.size(),
                "gradients hold the trainable parameters only: " + gradients.keySet());
        SplittableRandom random = new SplittableRandom(14);
        double epsilon = 1e-3;
        for (ParameterSpec parameter : model.trainableParameters()) {
            float[] value = weights.get(parameter.name());
            float[] direction = new float[value.length];
            double norm = 0;
            for (int i = 0; i < direction.length; i++) {
                direction[i] = (float) random.nextGaussian();
                norm += direction[i] * (double) direction[i];
            }
            double analytic = 0;
            float[] gradient = gradients.get(parameter.name());
            assertNotNull(gradient, "no gradient for " + parameter.name());
            assertEquals(value.length, gradient.length, "gradient size of " + parameter.name());
            for (int i = 0; i < direction.length; i++) {
                direction[i] /= (float) Math.sqrt(norm);
                analytic += gradient[i] * (double) direction[i];
            }
            double plus = objective(trainer, weights, parameter.name(), direction, epsilon, batch, targets, mu);
            double minus = objective(trainer, weights, parameter.name(), direction, -epsilon, batch, targets, mu);
            double numeric = (plus - minus) / (2 * epsilon);
            double tolerance = 1e-3 + 2e-2 * Math.abs(numeric);
            if (Math.abs(numeric - analytic) > tolerance) {
                fail(model.name() + " gradient of " + parameter.name() + " along a random direction: analytic "
                        + analytic + ", finite differences " + numeric);
            }
        }
    }

    /** The training-mode loss plus the penalty at weights moved by {@code epsilon · direction}. */
    private static double objective(
            Trainer trainer,
            Weights weights,
            String name,
            float[] direction,
            double epsilon,
            Batch batch,
            Map<String, float[]> targets,
            double mu) {
        float[] moved = weights.get(name);
        for (int i = 0; i < moved.length; i++) {
            moved[i] += (float) (epsilon * direction[i]);
        }
        Weights perturbed = weights.with(Map.of(name, moved));
        trainer.load(perturbed);
        double penalty = 0;
        for (Map.Entry<String, float[]> target : targets.entrySet()) {
            float[] w = perturbed.get(target.getKey());
            for (int i = 0; i < w.length; i++) {
                double difference = w[i] - (double) target.getValue()[i];
                penalty += difference * difference;
            }
        }
        return trainer.lossAndGradients(batch).loss() + mu / 2 * penalty;
    }
}
