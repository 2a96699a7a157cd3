package io.github.lc4j.backend.tck;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.core.Minibatches;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.zoo.ModelZoo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs two backends side by side on one model (LeNet300 unless given) with the same initial weights, the same seeded
 * minibatches of the embedded data, Nesterov SGD and the LC penalty on, and measures how far
 * their per-step losses drift apart.
 */
public final class LossParity {
    private LossParity() {}

    /** Returns the largest |loss_candidate − loss_reference| / loss_reference over {@code steps} steps. */
    public static double worstRelativeLossDifference(Backend reference, Backend candidate, int steps) {
        return worstRelativeLossDifference(reference, candidate, ModelZoo.lenet300Tanh(), steps, 256);
    }

    /**
     * Returns the largest |loss_candidate − loss_reference| / loss_reference over {@code steps}
     * steps of {@code model} at minibatches of {@code batchSize}.
     */
    public static double worstRelativeLossDifference(
            Backend reference, Backend candidate, ModelSpec model, int steps, int batchSize) {
        double[][] losses = stepLosses(reference, candidate, model, steps, batchSize, 0.05);
        double worst = 0;
        for (int step = 0; step < steps; step++) {
            worst = Math.max(worst, Math.abs(losses[0][step] - losses[1][step]) / Math.abs(losses[0][step]));
        }
        System.out.printf(
                "%s vs %s, %d %s steps: worst relative loss difference %.2e%n",
                candidate.name(), reference.name(), steps, model.name(), worst);
        return worst;
    }

    /**
     * Takes {@code steps} Nesterov steps (momentum 0.9, the penalty toward zero targets at μ =
     * 10⁻³) of {@code model} from the same seeded weights and minibatches on both backends; returns
     * the per-step losses, the reference's in row 0 and the candidate's in row 1.
     */
    public static double[][] stepLosses(
            Backend reference, Backend candidate, ModelSpec model, int steps, int batchSize, double learningRate) {
        Weights initial = WeightInitializer.initialize(model, 3);
        Minibatches minibatches =
                new Minibatches(DataSets.embeddedFashionMnist().train(), batchSize, 3);
        Map<String, float[]> targets = new LinkedHashMap<>();
        for (ParameterSpec parameter : model.parameters()) {
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                targets.put(parameter.name(), new float[parameter.size()]);
            }
        }
        TrainerOptions options = new TrainerOptions(0.9, true);
        double[][] losses = new double[2][steps];
        try (Trainer expected = reference.newTrainer(model, options);
                Trainer actual = candidate.newTrainer(model, options)) {
            expected.load(initial);
            actual.load(initial);
            expected.setPenalty(targets, 1e-3);
            actual.setPenalty(targets, 1e-3);
            int perEpoch = minibatches.batchesPerEpoch();
            for (int step = 0; step < steps; step++) {
                Batch batch = minibatches.batch(0, step % perEpoch);
                losses[0][step] = expected.step(batch, learningRate);
                losses[1][step] = actual.step(batch, learningRate);
            }
        }
        return losses;
    }
}
