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
        return stepLosses(reference, initial, candidate, initial, model, steps, batchSize, learningRate);
    }

    /**
     * The control of {@link #stepLosses}: the same steps on one backend, row 1 from the same
     * weights with every other value (chosen by a seeded coin) one ulp larger. How far its rows
     * drift apart is how sensitive the training itself is to float32 rounding; backends that
     * round differently cannot be expected to stay closer than that.
     */
    public static double[][] stepLossesFromOneUlpApart(
            Backend backend, ModelSpec model, int steps, int batchSize, double learningRate) {
        Weights initial = WeightInitializer.initialize(model, 3);
        java.util.Random coin = new java.util.Random(1);
        Map<String, float[]> nudged = new LinkedHashMap<>();
        for (String name : initial.names()) {
            float[] values = initial.get(name);
            for (int i = 0; i < values.length; i++) {
                if (coin.nextBoolean()) {
                    values[i] = Math.nextUp(values[i]);
                }
            }
            nudged.put(name, values);
        }
        return stepLosses(backend, initial, backend, initial.with(nudged), model, steps, batchSize, learningRate);
    }

    /** The mean over the steps of |row 1 − row 0| / row 0 of {@code losses}. */
    public static double meanRelativeDifference(double[][] losses) {
        double sum = 0;
        for (int step = 0; step < losses[0].length; step++) {
            sum += Math.abs(losses[1][step] - losses[0][step]) / Math.abs(losses[0][step]);
        }
        return sum / losses[0].length;
    }

    private static double[][] stepLosses(
            Backend reference,
            Weights referenceStart,
            Backend candidate,
            Weights candidateStart,
            ModelSpec model,
            int steps,
            int batchSize,
            double learningRate) {
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
            expected.load(referenceStart);
            actual.load(candidateStart);
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
