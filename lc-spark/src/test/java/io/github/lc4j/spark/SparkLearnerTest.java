package io.github.lc4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.Window;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.Learner;
import io.github.lc4j.core.Minibatches;
import io.github.lc4j.core.TrainingSet;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.zoo.ModelZoo;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** The driver's proximal step: μ = 10⁴ at lr 0.1 stays finite, puts w on t, and equals one machine's. */
    @Test
    void aHugePenaltyInSyncModeIsTheSingleMachineProximalStep() {
        try (SparkLc.Data data = SparkLc.data(
                        SparkTestContext.get(),
                        "embedded",
                        SparkOptions.synchronous().withPartitions(2));
                Learner spark = data.training().learner(backend, MODEL, OPTIMIZER, SEED);
                Learner local = TrainingSet.of(DataSets.embeddedFashionMnist().train())
                        .learner(backend, MODEL, OPTIMIZER, SEED)) {
            Weights initial = WeightInitializer.initialize(MODEL, 4);
            spark.load(initial);
            local.load(initial);
            Map<String, float[]> targets = halved(initial);
            spark.setPenalty(targets, 1e4);
            local.setPenalty(targets, 1e4);
            for (int batch = 0; batch < 6; batch++) {
                double expected = local.steps(0, batch, 1, 0.1)[0];
                double actual = spark.steps(0, batch, 1, 0.1)[0];
                assertTrue(Double.isFinite(actual), "loss of step " + batch + " is " + actual);
                assertEquals(expected, actual, 1e-4 * expected, "loss of step " + batch);
            }
            Map<String, float[]> weights = spark.snapshot().toMap();
            assertClose(local.snapshot().toMap(), weights, "weights");
            targets.forEach((name, target) -> {
                float[] w = weights.get(name);
                for (int i = 0; i < w.length; i++) {
                    assertEquals(target[i], w[i], 1e-3, name + "[" + i + "] is not on its target");
                }
            });
        }
    }

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

    /** A small graph with batch normalization: running statistics travel with the weights. */
    private static final ModelSpec GRAPH = graphModel();

    private static ModelSpec graphModel() {
        ModelSpec.Builder builder = ModelSpec.builder("spark-graph", new int[] {1, 28, 28});
        String conv = builder.add("conv", new Op.Conv2d(4, Window.square(3, 2, 1), 1, false), ModelSpec.INPUT);
        String normalized = builder.add("bn", Op.BatchNorm.defaults(), conv);
        String activated = builder.add("relu", new Op.Relu(), normalized);
        String pooled = builder.add("pool", new Op.GlobalAveragePool(), activated);
        String flat = builder.add("flat", new Op.Flatten(), pooled);
        builder.add("fc", new Op.Dense(10, true), flat);
        return builder.build();
    }

    /** The samples of minibatch {@code indices} that lie in [from, to), in the minibatch's order; null if none. */
    private static Batch slice(Dataset train, int[] indices, int from, int to) {
        int[] inside = java.util.Arrays.stream(indices)
                .filter(index -> index >= from && index < to)
                .toArray();
        return inside.length == 0 ? null : train.batch(inside);
    }

    @Test
    void averagingOverThreeUnequalPartitionsIsTheSampleWeightedMeanOfTheirLocalRuns() {
        int partitions = 3;
        int localSteps = 3;
        try (SparkLc.Data data = SparkLc.data(
                        SparkTestContext.get(),
                        "embedded",
                        SparkOptions.averaging(localSteps).withPartitions(partitions));
                Learner spark = data.training().learner(backend, GRAPH, OPTIMIZER, SEED)) {
            Dataset train = DataSets.embeddedFashionMnist().train();
            int size = train.size();
            assertTrue(size % partitions != 0, "the partitions must differ in size");
            Weights initial = WeightInitializer.initialize(GRAPH, 6);
            Map<String, float[]> targets = new LinkedHashMap<>();
            targets.put("conv.weight", halved(initial).get("conv.weight"));
            spark.load(initial);
            spark.setPenalty(targets, 0.2);
            spark.steps(0, 5, localSteps, 0.05);
            Map<String, float[]> momentumAfterOne = spark.momentum();
            Weights weightsAfterOne = spark.snapshot();
            spark.steps(0, 5 + localSteps, localSteps, 0.05);

            // by hand: each partition's trainer takes its slices of the second round's minibatches
            // from the first round's averaged weights and momentum, then the sample-weighted mean
            List<int[]> epoch = new Minibatches(size, OPTIMIZER.batchSize(), SEED).epochIndices(0);
            Map<String, double[]> weightSums = new LinkedHashMap<>();
            Map<String, double[]> momentumSums = new LinkedHashMap<>();
            long seenTotal = 0;
            for (int p = 0; p < partitions; p++) {
                int from = (int) ((long) p * size / partitions);
                int to = (int) ((long) (p + 1) * size / partitions);
                try (Trainer trainer =
                        backend.newTrainer(GRAPH, new TrainerOptions(OPTIMIZER.momentum(), OPTIMIZER.nesterov()))) {
                    trainer.restore(weightsAfterOne, momentumAfterOne);
                    trainer.setPenalty(targets, 0.2);
                    long seen = 0;
                    for (int j = 0; j < localSteps; j++) {
                        Batch batch = slice(train, epoch.get(5 + localSteps + j), from, to);
                        if (batch != null) {
                            trainer.step(batch, 0.05);
                            seen += batch.size();
                        }
                    }
                    seenTotal += seen;
                    accumulate(weightSums, trainer.snapshot().toMap(), seen);
                    accumulate(momentumSums, trainer.momentum(), seen);
                }
            }
            assertEquals(
                    GRAPH.trainableParameters().size(), spark.momentum().size(), "momentum of trained parameters only");
            assertMean(weightSums, seenTotal, spark.snapshot().toMap(), "averaged weights and running statistics");
            assertMean(momentumSums, seenTotal, spark.momentum(), "averaged momentum");
        }
    }

    @Test
    void synchronousStepsOnAGraphCombineTheExecutorsRunningStatistics() {
        int partitions = 2;
        try (SparkLc.Data data = SparkLc.data(
                        SparkTestContext.get(),
                        "embedded",
                        SparkOptions.synchronous().withPartitions(partitions));
                Learner spark = data.training().learner(backend, GRAPH, OPTIMIZER, SEED)) {
            Dataset train = DataSets.embeddedFashionMnist().train();
            int size = train.size();
            Weights initial = WeightInitializer.initialize(GRAPH, 7);
            spark.load(initial);
            spark.steps(0, 2, 1, 0.05);
            int[] indices = new Minibatches(size, OPTIMIZER.batchSize(), SEED)
                    .epochIndices(0)
                    .get(2);
            Map<String, double[]> statistics = new LinkedHashMap<>();
            long seenTotal = 0;
            for (int p = 0; p < partitions; p++) {
                Batch batch = slice(train, indices, p * size / partitions, (p + 1) * size / partitions);
                try (Trainer trainer = backend.newTrainer(GRAPH, TrainerOptions.plainSgd())) {
                    trainer.load(initial);
                    trainer.lossAndGradients(batch);
                    Map<String, float[]> state = new LinkedHashMap<>();
                    state.put("bn.running_mean", trainer.snapshot().get("bn.running_mean"));
                    state.put("bn.running_var", trainer.snapshot().get("bn.running_var"));
                    accumulate(statistics, state, batch.size());
                    seenTotal += batch.size();
                }
            }
            Map<String, float[]> after = spark.snapshot().toMap();
            after.keySet().retainAll(statistics.keySet());
            assertMean(statistics, seenTotal, after, "running statistics after a synchronous step");
            assertTrue(
                    Math.abs(after.get("bn.running_var")[0] - 1f) > 1e-3,
                    "the step moved the running variance away from its start");
        }
    }

    private static void accumulate(Map<String, double[]> sums, Map<String, float[]> values, long weight) {
        values.forEach((name, array) -> {
            double[] sum = sums.computeIfAbsent(name, key -> new double[array.length]);
            for (int i = 0; i < array.length; i++) {
                sum[i] += weight * (double) array[i];
            }
        });
    }

    private static void assertMean(Map<String, double[]> sums, long total, Map<String, float[]> actual, String what) {
        assertEquals(sums.keySet(), actual.keySet(), what + ": parameters");
        sums.forEach((name, sum) -> {
            float[] other = actual.get(name);
            for (int i = 0; i < sum.length; i++) {
                double expected = sum[i] / total;
                assertEquals(expected, other[i], 1e-6 + 1e-6 * Math.abs(expected), what + ": " + name + "[" + i + "]");
            }
        });
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
