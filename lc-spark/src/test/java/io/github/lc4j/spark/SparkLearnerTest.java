package io.github.lc4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.core.DataSets;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.Learner;
import io.github.lc4j.core.ModelZoo;
import io.github.lc4j.core.TrainingSet;
import io.github.lc4j.core.WeightInitializer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Spark learner against the single-machine cpu-java learner, step by step. */
class SparkLearnerTest {
    private static final ModelSpec MODEL = ModelZoo.lenet300Tanh();
    private static final OptimizerSpec OPTIMIZER = OptimizerSpec.builder()
            .optLearningRate(0.05)
            .optMomentum(0.9)
            .optBatchSize(128)
            .build();
    private static final long SEED = 5;

    private final Backend backend =
            Lc4j.builder().backend("cpu-java").threads(1).build().backend();

    @Test
    void onePartitionInSyncModeTakesTheSingleMachineSteps() {
        try (SparkLc.Data data = SparkLc.data(
                        SparkTestContext.get(),
                        "embedded",
                        SparkOptions.synchronous().withPartitions(1));
                Learner spark = data.training().learner(backend, MODEL, OPTIMIZER, SEED);
                Learner local = TrainingSet.of(DataSets.embeddedFashionMnist().train())
                        .learner(backend, MODEL, OPTIMIZER, SEED)) {
            Weights initial = WeightInitializer.initialize(MODEL, 3);
            spark.load(initial);
            local.load(initial);
            Map<String, float[]> targets = halved(initial);
            spark.setPenalty(targets, 0.3);
            local.setPenalty(targets, 0.3);
            assertEquals(local.batchesPerEpoch(), spark.batchesPerEpoch());
            int steps = 0;
            // the end of epoch 0 (its short last batch) and the start of epoch 1
            for (long epoch = 0; epoch < 2; epoch++) {
                int first = epoch == 0 ? local.batchesPerEpoch() - 12 : 0;
                for (int batch = first; batch < first + 12; batch++) {
                    double expected = local.steps(epoch, batch, 1, 0.05)[0];
                    double[] actual = spark.steps(epoch, batch, 5, 0.05);
                    assertEquals(1, actual.length, "a sync round is one minibatch");
                    assertEquals(expected, actual[0], 1e-5 * expected, "loss of step " + steps);
                    steps++;
                }
            }
            Map<String, float[]> quantized = halved(local.snapshot());
            double expected = local.straightThroughStep(1, 20, quantized, 0.05);
            assertEquals(expected, spark.straightThroughStep(1, 20, quantized, 0.05), 1e-5 * expected, "STE loss");
            assertClose(local.snapshot().toMap(), spark.snapshot().toMap(), "weights");
            assertClose(local.momentum(), spark.momentum(), "momentum");
            assertTrue(data.training().traffic().rounds() >= 25, "every step is a Spark job");
        }
    }

    @Test
    void averagingWithOnePartitionIsLocalTraining() {
        try (SparkLc.Data data = SparkLc.data(
                        SparkTestContext.get(),
                        "embedded",
                        SparkOptions.averaging(4).withPartitions(1));
                Learner spark = data.training().learner(backend, MODEL, OPTIMIZER, SEED);
                Learner local = TrainingSet.of(DataSets.embeddedFashionMnist().train())
                        .learner(backend, MODEL, OPTIMIZER, SEED)) {
            Weights initial = WeightInitializer.initialize(MODEL, 4);
            spark.load(initial);
            local.load(initial);
            spark.setPenalty(halved(initial), 0.1);
            local.setPenalty(halved(initial), 0.1);
            double[] round = spark.steps(0, 3, 10, 0.05);
            assertEquals(4, round.length, "a round takes the local steps");
            for (int j = 0; j < 4; j++) {
                double expected = local.steps(0, 3 + j, 1, 0.05)[0];
                assertEquals(expected, round[j], 1e-5 * expected, "loss of local step " + j);
            }
            assertEquals(2, spark.steps(0, 10, 2, 0.05).length, "a round stops where the caller says");
            local.steps(0, 10, 1, 0.05);
            local.steps(0, 11, 1, 0.05);
            assertClose(local.snapshot().toMap(), spark.snapshot().toMap(), "weights");
            assertThrows(
                    InvalidInputException.class,
                    () -> spark.straightThroughStep(0, 0, Map.of(), 0.05),
                    "STE needs sync mode");
        }
    }

    private static Map<String, float[]> halved(Weights weights) {
        Map<String, float[]> targets = new LinkedHashMap<>();
        weights.toMap().forEach((name, values) -> {
            float[] half = values.clone();
            for (int i = 0; i < half.length; i++) {
                half[i] *= 0.5f;
            }
            targets.put(name, half);
        });
        return targets;
    }

    private static void assertClose(Map<String, float[]> expected, Map<String, float[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": parameters");
        expected.forEach((name, values) -> {
            float[] other = actual.get(name);
            double worst = 0;
            for (int i = 0; i < values.length; i++) {
                worst = Math.max(worst, Math.abs(values[i] - other[i]));
            }
            assertTrue(worst < 1e-5, what + " of " + name + " differ by up to " + worst);
        });
    }
}
