package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.core.cstep.CStepSolverFactory;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.io.NpyArray;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training shards taken as their concatenation: the same minibatches, so the same run, as one data set. */
class ShardedTrainingSetTest {
    private static final ModelSpec MODEL =
            ModelSpec.of("tiny", new int[] {4}, List.of(Layer.dense("a", 6), Layer.tanh(), Layer.dense("b", 3)));

    @TempDir
    Path folder;

    private static Dataset random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] inputs = new float[count * 4];
        int[] labels = new int[count];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < count; i++) {
            labels[i] = random.nextInt(3);
        }
        return new Dataset("random", new int[] {4}, inputs, labels);
    }

    private static Dataset slice(Dataset all, int from, int to) {
        return all.subset("shard", IntStream.range(from, to).toArray());
    }

    private static LcResult run(TrainingSet training, Dataset test) {
        LcOptions options = LcOptions.builder()
                .setTasks(CompressionTask.perLayer(MODEL, Codebook.adaptive(2)))
                .optMuSchedule(MuSchedule.exponential(0.5, 1.5, 3))
                .optOptimizer(OptimizerSpec.builder()
                        .optLearningRate(0.1)
                        .optBatchSize(16)
                        .optEpochsPerStep(2)
                        .build())
                .build();
        return new LcAlgorithm(CStepSolverFactory.DEFAULT)
                .run(new LcAlgorithm.Request(
                        new QuadraticBackend(WeightInitializer.initialize(MODEL, 2)),
                        MODEL,
                        WeightInitializer.initialize(MODEL, 1),
                        training,
                        test,
                        "random",
                        options,
                        LcListener.NONE,
                        () -> false,
                        null));
    }

    @Test
    void shardsTrainExactlyAsTheirConcatenation() {
        Dataset all = random(100, 3);
        Dataset test = random(20, 4);
        List<Dataset> shards = List.of(slice(all, 0, 37), slice(all, 37, 41), slice(all, 41, 100));
        TrainingSet sharded = TrainingSet.of(shards);
        assertEquals(100, sharded.size());
        assertEquals(4, sharded.sampleSize());
        LcResult whole = run(TrainingSet.of(all), test);
        LcResult pieces = run(sharded, test);
        assertEquals(whole.quantized(), pieces.quantized());
        for (int i = 0; i < whole.history().size(); i++) {
            assertEquals(
                    whole.history().get(i).lStepLoss(), pieces.history().get(i).lStepLoss(), 0, "iteration " + i);
            // evaluated shard by shard: the same sums in another grouping
            var expected = whole.history().get(i).train();
            var actual = pieces.history().get(i).train();
            assertEquals(expected.count(), actual.count());
            assertEquals(expected.errors(), actual.errors(), "iteration " + i);
            assertEquals(expected.meanLoss(), actual.meanLoss(), 1e-12, "iteration " + i);
        }
    }

    @Test
    void shardsOfOtherShapesAreRefusedNamingThem() {
        Dataset wide = new Dataset("wide", new int[] {5}, new float[10], new int[] {0, 1});
        InvalidInputException error =
                assertThrows(InvalidInputException.class, () -> TrainingSet.of(List.of(random(3, 1), wide)));
        assertTrue(error.getMessage().contains("wide") && error.getMessage().contains("[5]"), error.getMessage());
    }

    private static void writeNpz(Path file, String split, Dataset data) throws IOException {
        try (OutputStream stream = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(stream)) {
            var batch = data.range(0, data.size());
            zip.putNextEntry(new ZipEntry("x_" + split + ".npy"));
            NpyArray.ofFloats(new int[] {data.size(), 4}, batch.inputs()).write(zip);
            zip.putNextEntry(new ZipEntry("y_" + split + ".npy"));
            double[] labels = Arrays.stream(batch.labels()).asDoubleStream().toArray();
            new NpyArray(new int[] {labels.length}, labels, NpyArray.DType.INT64).write(zip);
        }
    }

    @Test
    void aShardedFolderReadsAsItsTrainingFilesInNameOrderAndItsTestFile() throws IOException {
        Dataset all = random(30, 5);
        writeNpz(folder.resolve("train-0002.npz"), "train", slice(all, 20, 30));
        writeNpz(folder.resolve("train-0001.npz"), "train", slice(all, 0, 20));
        writeNpz(folder.resolve("test.npz"), "test", random(8, 6));
        DataSets.Shards shards = DataSets.readShards(folder);
        assertEquals(List.of(20, 10), shards.train().stream().map(Dataset::size).toList());
        assertEquals(8, shards.test().size());
        assertTrue(shards.description().contains("30 train in 2 shards"), shards.description());
        // resolve() joins them for the commands that take one training array
        var joined = DataSets.resolve(folder.toString());
        assertEquals(30, joined.train().size());
        assertArrayEquals(all.range(0, 30).inputs(), joined.train().range(0, 30).inputs());
        assertArrayEquals(all.range(0, 30).labels(), joined.train().range(0, 30).labels());

        Files.delete(folder.resolve("train-0001.npz"));
        Files.delete(folder.resolve("train-0002.npz"));
        InvalidInputException none = assertThrows(InvalidInputException.class, () -> DataSets.readShards(folder));
        assertTrue(none.getMessage().contains("no train-*.npz"), none.getMessage());
    }
}
