package io.github.lc4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.TrainingRequest;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.io.NpyArray;
import io.github.lc4j.core.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole LC runs with the L step on two Spark partitions, against the same run on one machine. */
class SparkLcTest {
    private static final ModelSpec MODEL = ModelZoo.lenet300Tanh();
    private static final OptimizerSpec SGD = OptimizerSpec.builder()
            .optLearningRate(0.05)
            .optLearningRateDecay(0.98)
            .optMomentum(0.9)
            .optNesterov(false)
            .optBatchSize(128)
            .optEpochsPerStep(1)
            .build();
    private static final MuSchedule SCHEDULE = MuSchedule.exponential(5e-3, 1.6, 8);
    private static final MuSchedule SHORT = MuSchedule.exponential(5e-3, 1.6, 2);
    /** Counts the executor tasks that failed on purpose. */
    static final AtomicInteger INJECTED = new AtomicInteger();

    private static Lc4j lc4j;
    private static TrainTestSplit data;
    private static Weights reference;
    private static LcResult singleMachine;

    @BeforeAll
    static void trainReferenceAndRunLcOnOneMachine() {
        lc4j = Lc4j.builder().backend("cpu-java").threads(1).build();
        data = DataSets.embeddedFashionMnist();
        reference = lc4j.train(TrainingRequest.builder()
                .model(MODEL)
                .data(data)
                .optimizer(OptimizerSpec.builder()
                        .optLearningRate(0.1)
                        .optBatchSize(128)
                        .build())
                .epochs(8)
                .seed(1)
                .build());
        singleMachine = lc4j.compress(request().data(data).build());
    }

    private static CompressionRequest.Builder request() {
        return CompressionRequest.builder()
                .model(MODEL)
                .reference(reference)
                .codebook(Codebook.adaptive(2))
                .schedule(SCHEDULE)
                .optimizer(SGD)
                .evaluateTrainingSet(false)
                .seed(1);
    }

    private static LcResult onSpark(SparkOptions options) {
        return onSpark(options, SCHEDULE);
    }

    private static LcResult onSpark(SparkOptions options, MuSchedule schedule) {
        try (SparkLc.Data spark = SparkLc.data(SparkTestContext.get(), "embedded", options)) {
            return lc4j.compress(request()
                    .schedule(schedule)
                    .data(spark.training(), spark.test(), spark.description())
                    .build());
        }
    }

    @Test
    void synchronousModeOnTwoPartitionsReachesTheSingleMachineError() {
        // the same minibatch gradients summed in another order
        assertWithinPoints(onSpark(SparkOptions.synchronous().withPartitions(2)), "sync", 0.5);
    }

    @Test
    void averagingModeOnTwoPartitionsReachesTheSingleMachineError() {
        // another optimiser (local SGD): runs with other seeds and rates ended 0.15 to 0.75 points apart
        assertWithinPoints(onSpark(SparkOptions.averaging(2).withPartitions(2)), "average, k = 2", 1.0);
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndTheRunIsUnchanged() {
        SparkOptions options = SparkOptions.synchronous().withPartitions(2);
        LcResult undisturbed = onSpark(options, SHORT);
        INJECTED.set(0);
        LcResult disturbed = onSpark(
                options.withTaskHook(context -> {
                    // the 101st task of partition 1, on its first attempt only: Spark runs it again
                    if (context.partitionId() == 1 && context.attemptNumber() == 0 && SparkLcTest.count() == 100) {
                        INJECTED.incrementAndGet();
                        throw new IllegalStateException("injected failure of task " + context.taskAttemptId());
                    }
                }),
                SHORT);
        assertEquals(1, INJECTED.get(), "exactly one task failed");
        for (String name : undisturbed.quantized().toMap().keySet()) {
            assertArrayEquals(
                    undisturbed.quantized().get(name), disturbed.quantized().get(name), name + " after a retried task");
        }
        assertEquals(undisturbed.last().test(), disturbed.last().test());
    }

    private static final AtomicInteger HOOK_CALLS = new AtomicInteger();

    /** Returns how many first attempts of partition 1's tasks ran before this one. */
    static int count() {
        return HOOK_CALLS.getAndIncrement();
    }

    @Test
    void aRunStoppedInsideASparkJobResumesToTheSameResult(@TempDir Path folder) {
        SparkOptions options = SparkOptions.averaging(2).withPartitions(2);
        LcResult uninterrupted = onSpark(options, SHORT);
        DRIVER = Thread.currentThread();
        TASKS.set(0);
        // as Ctrl-C does, while the driver waits for a round: an executor task interrupts it
        SparkOptions interrupting = options.withTaskHook(context -> {
            if (TASKS.incrementAndGet() == 101) {
                DRIVER.interrupt();
            }
        });
        try (SparkLc.Data spark = SparkLc.data(SparkTestContext.get(), "embedded", interrupting)) {
            CompressionRequest stopped = request()
                    .schedule(SHORT)
                    .data(spark.training(), spark.test(), spark.description())
                    .checkpoints(folder)
                    // a checkpoint after every round: none may fall inside a round of two minibatches
                    .checkpointInterval(java.time.Duration.ZERO)
                    .build();
            try {
                assertThrows(CancellationException.class, () -> lc4j.compress(stopped));
            } finally {
                Thread.interrupted();
            }
            assertTrue(TASKS.get() >= 101, "the interrupt came from inside a Spark job");
            LcResult resumed = lc4j.compress(request()
                    .schedule(SHORT)
                    .data(spark.training(), spark.test(), spark.description())
                    .resumeFrom(folder)
                    .build());
            for (String name : uninterrupted.quantized().toMap().keySet()) {
                assertArrayEquals(
                        uninterrupted.quantized().get(name), resumed.quantized().get(name), name + " after resuming");
            }
            assertEquals(uninterrupted.history().size(), resumed.history().size());
        }
        InvalidInputException otherMode = assertThrows(
                InvalidInputException.class,
                () -> lc4j.compress(request()
                        .schedule(SHORT)
                        .data(
                                SparkLc.data(
                                                SparkTestContext.get(),
                                                "embedded",
                                                SparkOptions.synchronous().withPartitions(2))
                                        .training(),
                                data.test(),
                                "embedded")
                        .resumeFrom(folder)
                        .build()));
        assertTrue(otherMode.getMessage().contains("sparkMode"), otherMode.getMessage());
    }

    /** The test's thread, which a task hook interrupts. */
    static volatile Thread DRIVER;

    static final AtomicInteger TASKS = new AtomicInteger();

    @Test
    void tooManyPartitionsIsOneClearError() {
        InvalidInputException error = assertThrows(
                InvalidInputException.class,
                () -> SparkLc.data(
                        SparkTestContext.get(),
                        "embedded",
                        SparkOptions.synchronous().withPartitions(8001)));
        assertTrue(error.getMessage().contains("use at most 8000 partitions"), error.getMessage());
    }

    @Test
    void anUnreachablePathIsOneClearError() {
        InvalidInputException error = assertThrows(
                InvalidInputException.class,
                () -> SparkLc.data(SparkTestContext.get(), "/no/such/folder", SparkOptions.synchronous()));
        assertTrue(error.getMessage().contains("/no/such/folder"), error.getMessage());
        InvalidInputException uri = assertThrows(
                InvalidInputException.class,
                () -> SparkLc.data(SparkTestContext.get(), "file:///no/such/data.npz", SparkOptions.synchronous()));
        assertTrue(uri.getMessage().contains("/no/such/data.npz"), uri.getMessage());
    }

    @Test
    void aDataFileOnAHadoopFileSystemIsReadByEveryExecutor(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("small.npz");
        float[] inputs = new float[30 * 784];
        double[] labels = new double[30];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10;
            inputs[i * 784 + i] = 1;
        }
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            entry(zip, "x_train", NpyArray.ofFloats(new int[] {30, 784}, inputs));
            entry(zip, "y_train", new NpyArray(new int[] {30}, labels, NpyArray.DType.INT64));
            entry(zip, "x_test", NpyArray.ofFloats(new int[] {2, 784}, new float[2 * 784]));
            entry(zip, "y_test", new NpyArray(new int[] {2}, new double[] {3, 4}, NpyArray.DType.INT64));
        }
        // a URI with a scheme goes through Hadoop's FileSystem, as hdfs:// and s3a:// do
        try (SparkLc.Data data = SparkLc.data(
                SparkTestContext.get(),
                file.toUri().toString(),
                SparkOptions.synchronous().withPartitions(3))) {
            assertEquals(30, data.training().size());
            assertEquals(3, data.training().partitions());
            assertEquals(10, data.training().classCount());
            assertEquals(2, data.test().size());
            assertEquals(
                    30,
                    data.training()
                            .evaluate(lc4j.backend(), MODEL, Lc4j.readWeights(writeReference(folder), MODEL))
                            .count(),
                    "every sample is in one partition");
        }
    }

    @Test
    void aShardedFolderGivesOnePartitionPerFileAndTheSingleMachineSteps(@TempDir Path folder) throws Exception {
        int[] sizes = {10, 15, 7};
        java.util.SplittableRandom random = new java.util.SplittableRandom(4);
        float[] all = new float[32 * 784];
        int[] labels = new int[32];
        int start = 0;
        for (int f = 0; f < sizes.length; f++) {
            float[] inputs = new float[sizes[f] * 784];
            double[] classes = new double[sizes[f]];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < classes.length; i++) {
                classes[i] = random.nextInt(10);
                labels[start + i] = (int) classes[i];
            }
            System.arraycopy(inputs, 0, all, start * 784, inputs.length);
            start += sizes[f];
            try (ZipOutputStream zip =
                    new ZipOutputStream(Files.newOutputStream(folder.resolve("train-" + f + ".npz")))) {
                entry(zip, "x_train", NpyArray.ofFloats(new int[] {sizes[f], 784}, inputs));
                entry(zip, "y_train", new NpyArray(new int[] {sizes[f]}, classes, NpyArray.DType.INT64));
            }
        }
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(folder.resolve("test.npz")))) {
            entry(zip, "x_test", NpyArray.ofFloats(new int[] {3, 784}, new float[3 * 784]));
            entry(zip, "y_test", new NpyArray(new int[] {3}, new double[] {1, 2, 3}, NpyArray.DType.INT64));
        }
        OptimizerSpec sgd =
                OptimizerSpec.builder().optBatchSize(8).optMomentum(0.9).build();
        io.github.lc4j.core.data.Dataset concatenated =
                new io.github.lc4j.core.data.Dataset("all", new int[] {784}, all, labels);
        for (String choice : List.of(folder.toString(), folder.toUri().toString())) {
            try (SparkLc.Data data = SparkLc.data(SparkTestContext.get(), choice, SparkOptions.synchronous());
                    io.github.lc4j.core.Learner spark = data.training().learner(lc4j.backend(), MODEL, sgd, 3);
                    io.github.lc4j.core.Learner local =
                            io.github.lc4j.core.TrainingSet.of(concatenated).learner(lc4j.backend(), MODEL, sgd, 3)) {
                assertEquals(32, data.training().size(), choice);
                assertEquals(3, data.training().partitions(), "one partition per file of " + choice);
                assertEquals(3, data.test().size());
                spark.load(reference);
                local.load(reference);
                for (int step = 0; step < 6; step++) {
                    double expected = local.steps(step / 4, step % 4, 1, 0.01)[0];
                    assertEquals(
                            expected, spark.steps(step / 4, step % 4, 1, 0.01)[0], 1e-5 * expected, "step " + step);
                }
            }
        }
        InvalidInputException partitions = assertThrows(
                InvalidInputException.class,
                () -> SparkLc.data(
                        SparkTestContext.get(),
                        folder.toString(),
                        SparkOptions.synchronous().withPartitions(2)));
        assertTrue(partitions.getMessage().contains("holds 3 training files"), partitions.getMessage());
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(folder.resolve("train-9.npz")))) {
            entry(zip, "x_train", NpyArray.ofFloats(new int[] {2, 100}, new float[200]));
            entry(zip, "y_train", new NpyArray(new int[] {2}, new double[2], NpyArray.DType.INT64));
        }
        InvalidInputException shapes = assertThrows(
                InvalidInputException.class,
                () -> SparkLc.data(SparkTestContext.get(), folder.toString(), SparkOptions.synchronous()));
        assertTrue(shapes.getMessage().contains("train-9.npz: x_train samples have shape [100]"), shapes.getMessage());
    }

    private static Path writeReference(Path folder) {
        Path weights = folder.resolve("reference.npz");
        Lc4j.writeWeights(weights, MODEL, reference);
        return weights;
    }

    @Test
    void filesThatDisagreeAreOneClearError(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("mismatched.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            entry(zip, "x_train", NpyArray.ofFloats(new int[] {6, 784}, new float[6 * 784]));
            entry(zip, "y_train", new NpyArray(new int[] {6}, new double[6], NpyArray.DType.INT64));
            entry(zip, "x_test", NpyArray.ofFloats(new int[] {2, 100}, new float[200]));
            entry(zip, "y_test", new NpyArray(new int[] {2}, new double[2], NpyArray.DType.INT64));
        }
        InvalidInputException error = assertThrows(
                InvalidInputException.class,
                () -> SparkLc.data(SparkTestContext.get(), file.toString(), SparkOptions.synchronous()));
        assertTrue(
                error.getMessage().contains("x_train samples have shape [784] but x_test samples [100]"),
                error.getMessage());
    }

    private static void entry(ZipOutputStream zip, String name, NpyArray array) throws java.io.IOException {
        zip.putNextEntry(new ZipEntry(name + ".npy"));
        array.write(zip);
        zip.closeEntry();
    }

    private static void assertWithinPoints(LcResult spark, String mode, double points) {
        double expected = 100 * singleMachine.last().test().errorRate();
        double actual = 100 * spark.last().test().errorRate();
        System.out.printf("LC K=2 test error: one machine %.2f %%, Spark %s %.2f %%%n", expected, mode, actual);
        assertEquals(expected, actual, points, "test error (%) of LC with the L step on Spark, " + mode);
        assertEquals(SCHEDULE.iterations() + 1, spark.history().size(), "one record per iteration and DC");
    }
}
