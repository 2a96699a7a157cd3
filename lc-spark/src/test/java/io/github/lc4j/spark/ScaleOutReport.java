package io.github.lc4j.spark;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.Learner;
import io.github.lc4j.core.TrainingSet;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.io.AtomicFiles;
import io.github.lc4j.core.zoo.ModelZoo;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Measures the Spark L step on this machine (local[1] against local[2], per mode) and writes
 * docs/SCALE-OUT.md: throughput, bytes per LC iteration, the cost of a round without compute, and
 * the cost model's prediction for every measured point.
 */
final class ScaleOutReport {
    private static final ModelSpec MODEL = ModelZoo.lenet300Tanh();
    private static final int BATCH = 128;
    private static final OptimizerSpec SGD = OptimizerSpec.builder()
            .optLearningRate(0.02)
            .optMomentum(0.9)
            .optNesterov(false)
            .optBatchSize(BATCH)
            .build();
    private static final int[] LOCAL_STEPS = {1, 4, 16};

    private static final String MODEL_TEXT = """

            ## Cost model

            A round is one Spark job: the driver broadcasts what the executors need, each executor trains on
            its partition's slice of the minibatches, and `treeAggregate` brings the sums back. With P
            executors, minibatch B, k local steps per round (k = 1 in sync mode), N training samples and W
            weights, one LC iteration of one epoch takes

                T(P, k) = N / (B·k) · ( T_round(P, payload) + k · t_step(B / P) )

            where t_step(b) is one executor's forward and backward pass on b samples (about linear in b, and
            in W for dense layers: about 6·W·b floating-point operations), and T_round is the cost of a job that
            moves the payload without computing: a fixed overhead o (scheduling, task launch, serialization
            set-up) plus bytes over bandwidth. Sync mode broadcasts w (4W bytes) and gets one gradient per
            partition (4W bytes each); averaging broadcasts w, momentum and the penalty targets (12W) and gets
            weights and momentum back (8W per partition).

            Measured here: o = %.1f ms (local[1]) and %.1f ms (local[2]) for a job that moves nothing;
            T_round = %.1f ms for the averaging payload of LeNet300 on two executors; t_step(128) = %.1f ms,
            t_step(64) = %.1f ms. The last column of the table above is this model's round time, built from
            these parts (T_round of the row's payload plus k steps), next to the measured one.

            Spreading pays when the compute it saves per round exceeds what the round costs:

                k · (t_step(B) − t_step(B / P)) > T_round(P)

            Here that is k > %.1f / %.1f ≈ %.0f local steps for two executors: sync mode (k = 1) is slower
            than one machine for a net as small as LeNet300 (its step takes milliseconds, a round tens of
            them), and averaging needs k near that value just to match one machine with one thread (read the
            k = 16 rows against the peer's samples per second; the rounds' spread is wide on a two-core
            machine that also runs the driver). Against one JVM that uses both cores (the
            last peer row) local[2] cannot win on this machine: local mode adds no cores, only the cost of
            rounds. On a cluster the fair peer is one node with the cores of one executor.

            On a cluster the same inequality holds with the overhead of a real scheduler (tens of
            milliseconds) and the bytes over the network: a 10 Gb/s link moves LeNet300's 1 MB in about 1 ms,
            and a net of 25 M weights (100 MB) in about 80 ms each way, while its step on 128 samples costs
            about 6 · 25·10⁶ · 128 ≈ 2·10¹⁰ floating-point operations, 0.4 s at 50 GFLOP/s per executor. So for
            nets of millions of weights sync mode pays from two executors on, and the local steps k matter for
            small nets or slow links. Data size counts on its own: the training set never moves after
            loading (every executor keeps its partition in memory), so a set that does not fit one machine's
            memory needs the cluster whatever the speed.

            What this page does not measure: a real multi-machine cluster (this machine has two cores and no
            network between executors). And a limit of loading from one data file: every node, the driver
            included, reads the whole file once and keeps its range (the driver keeps the test set), so the
            training set must fit each node's memory while it loads. A sharded folder (`test.npz` and one
            `train-*.npz` per partition) lifts that: each executor reads only its file.
            """;

    private ScaleOutReport() {}

    /** One measured configuration. */
    private record Point(
            int executors,
            String mode,
            double samplesPerSecond,
            double roundMillis,
            long rounds,
            double broadcastMegabytes,
            double aggregatedMegabytes,
            double predictedRoundMillis) {}

    /**
     * Measures and writes the page to {@code output}; {@code smoke} times a few minibatches only
     * (the test suite's check that the report runs).
     */
    static String write(Path output, boolean smoke) {
        SparkTestContext.stop();
        Dataset train = DataSets.embeddedFashionMnist().train();
        int timedBatches = smoke ? 4 : (train.size() + BATCH - 1) / BATCH;
        Backend backend = Lc4j.builder().backend("cpu-java").threads(1).build().backend();
        Weights initial = WeightInitializer.initialize(MODEL, 1);
        List<Point> points = new ArrayList<>();
        List<String> local = new ArrayList<>();
        double[] stepMillis = new double[3];
        for (int executors = 1; executors <= 2; executors++) {
            int slice = (BATCH + executors - 1) / executors;
            stepMillis[executors] = localStepMillis(backend, train, initial, slice, smoke ? 4 : 40);
            local.add(String.format(
                    Locale.ROOT,
                    "| cpu-java, 1 thread, batch %d | %.1f ms | %,.0f |",
                    slice,
                    stepMillis[executors],
                    slice * 1000 / stepMillis[executors]));
        }
        Backend twoThreads =
                Lc4j.builder().backend("cpu-java").threads(2).build().backend();
        double twoThreadMillis = localStepMillis(twoThreads, train, initial, BATCH, smoke ? 4 : 40);
        local.add(String.format(
                Locale.ROOT,
                "| cpu-java, 2 threads, batch %d | %.1f ms | %,.0f |",
                BATCH,
                twoThreadMillis,
                BATCH * 1000 / twoThreadMillis));
        int rounds = smoke ? 1 : 3; // interleaved measurement rounds, not Spark jobs
        double[][] overheads = new double[3][rounds];
        double[][] transportAverages = new double[3][rounds];
        // interleaved rounds: one machine's drift over the run touches every configuration alike
        for (int round = 0; round < rounds; round++) {
            for (int executors = 1; executors <= 2; executors++) {
                SparkConf conf = new SparkConf()
                        .setMaster("local[" + executors + "]")
                        .setAppName("lc4j-scale-out")
                        .set("spark.ui.enabled", "false")
                        .set("spark.driver.host", "127.0.0.1")
                        .set("spark.driver.bindAddress", "127.0.0.1");
                try (JavaSparkContext spark = new JavaSparkContext(conf)) {
                    spark.setLogLevel("ERROR");
                    long parameters = MODEL.parameterCount();
                    try (SparkLc.Data warm = SparkLc.data(
                            spark, "embedded", SparkOptions.synchronous().withPartitions(executors))) {
                        transportMillis(spark, warm.training(), parameters, parameters, smoke ? 2 : 25);
                        overheads[executors][round] = transportMillis(spark, warm.training(), 1, 1, smoke ? 2 : 25);
                        transportAverages[executors][round] =
                                transportMillis(spark, warm.training(), 3 * parameters, 2 * parameters, smoke ? 2 : 25);
                    }
                    for (SparkOptions options : modes(executors)) {
                        try (SparkLc.Data data = SparkLc.data(spark, "embedded", options);
                                Learner learner = data.training().learner(backend, MODEL, SGD, 1)) {
                            learner.load(initial);
                            int k = options.localSteps();
                            boolean averaging = options.mode() == SparkMode.AVERAGING;
                            // a round without compute: the same broadcast and results, no training
                            double transport = transportMillis(
                                    spark,
                                    data.training(),
                                    (averaging ? 3 : 1) * parameters,
                                    (averaging ? 2 : 1) * parameters,
                                    smoke ? 2 : 25);
                            train(learner, 0, Math.min(8, timedBatches), 0);
                            Traffic traffic = data.training().traffic();
                            long rounds0 = traffic.rounds();
                            long broadcast0 = traffic.broadcastBytes();
                            long aggregated0 = traffic.aggregatedBytes();
                            long start = System.nanoTime();
                            train(learner, 1, timedBatches, 0.02);
                            double seconds = (System.nanoTime() - start) / 1e9;
                            long jobs = traffic.rounds() - rounds0;
                            int samples = smoke ? timedBatches * BATCH : train.size();
                            double epochs = (double) samples / train.size();
                            points.add(new Point(
                                    executors,
                                    averaging ? "average, k = " + k : "sync",
                                    samples / seconds,
                                    1000 * seconds / jobs,
                                    jobs,
                                    (traffic.broadcastBytes() - broadcast0) / 1e6 / epochs,
                                    (traffic.aggregatedBytes() - aggregated0) / 1e6 / epochs,
                                    transport + (double) samples / jobs / BATCH * stepMillis[executors]));
                        }
                    }
                }
            }
        }
        double[] overhead = {0, median(overheads[1]), median(overheads[2])};
        double[] transportAverage = {0, median(transportAverages[1]), median(transportAverages[2])};
        String page = page(summarized(points), local, smoke, overhead, transportAverage, stepMillis, rounds);
        AtomicFiles.write(output, out -> out.write(page.getBytes(StandardCharsets.UTF_8)));
        return page;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** One row of the table: the rounds of one configuration. */
    private record Row(Point median, double slowest, double fastest) {}

    private static List<Row> summarized(List<Point> points) {
        java.util.Map<String, List<Point>> byConfiguration = new java.util.LinkedHashMap<>();
        for (Point point : points) {
            byConfiguration
                    .computeIfAbsent(point.executors() + "/" + point.mode(), key -> new ArrayList<>())
                    .add(point);
        }
        List<Row> rows = new ArrayList<>();
        byConfiguration.values().forEach(measured -> {
            List<Point> sorted = new ArrayList<>(measured);
            sorted.sort(java.util.Comparator.comparingDouble(Point::samplesPerSecond));
            Point middle = sorted.get(sorted.size() / 2);
            double[] predicted =
                    measured.stream().mapToDouble(Point::predictedRoundMillis).toArray();
            double[] roundTimes =
                    measured.stream().mapToDouble(Point::roundMillis).toArray();
            rows.add(new Row(
                    new Point(
                            middle.executors(),
                            middle.mode(),
                            middle.samplesPerSecond(),
                            median(roundTimes),
                            middle.rounds(),
                            middle.broadcastMegabytes(),
                            middle.aggregatedMegabytes(),
                            median(predicted)),
                    sorted.get(0).samplesPerSecond(),
                    sorted.get(sorted.size() - 1).samplesPerSecond()));
        });
        return rows;
    }

    private static List<SparkOptions> modes(int executors) {
        List<SparkOptions> modes = new ArrayList<>();
        modes.add(SparkOptions.synchronous().withPartitions(executors));
        for (int k : LOCAL_STEPS) {
            modes.add(SparkOptions.averaging(k).withPartitions(executors));
        }
        return modes;
    }

    /** Runs minibatches 0 … batches − 1 of {@code epoch} in the learner's rounds. */
    private static void train(Learner learner, long epoch, int batches, double learningRate) {
        for (int b = 0; b < batches; ) {
            b += learner.steps(epoch, b, batches - b, learningRate).length;
        }
    }

    /** The median time of a Spark job that broadcasts and returns as many floats as a round, with no compute. */
    private static double transportMillis(
            JavaSparkContext spark, SparkTrainingSet training, long broadcastFloats, long returnedFloats, int repeats) {
        double[] times = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            Broadcast<float[]> shared = spark.broadcast(new float[(int) broadcastFloats]);
            int size = (int) returnedFloats;
            training.shards()
                    .map(shard -> new float[size + 0 * shared.value().length])
                    .treeAggregate(new float[0], (sum, array) -> array, (left, right) -> right);
            shared.destroy();
            times[r] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(times);
        return times[repeats / 2];
    }

    /** The median time of one cpu-java step (1 thread) at {@code batch} samples, on this JVM without Spark. */
    private static double localStepMillis(Backend backend, Dataset train, Weights initial, int batch, int steps) {
        OptimizerSpec sgd = SGD.toBuilder().optBatchSize(batch).build();
        try (Learner learner = TrainingSet.of(train).learner(backend, MODEL, sgd, 1)) {
            learner.load(initial);
            train(learner, 0, steps, 0.02);
            double[] times = new double[steps];
            for (int s = 0; s < steps; s++) {
                long start = System.nanoTime();
                learner.steps(1, s, 1, 0.02);
                times[s] = (System.nanoTime() - start) / 1e6;
            }
            Arrays.sort(times);
            return times[steps / 2];
        }
    }

    private static String page(
            List<Row> rows,
            List<String> local,
            boolean smoke,
            double[] overhead,
            double[] transportAverage,
            double[] stepMillis,
            int rounds) {
        StringBuilder page = new StringBuilder();
        page.append("# Scale-out: the L step on Apache Spark\n\n");
        page.append(
                "Regenerate the measured part (about three minutes with the build; nothing else should run on the machine):\n\n");
        page.append("```bash\nmvn -B -q test -pl lc-spark -am -Dtest=ScaleOutReportTest"
                + " -Dsurefire.failIfNoSpecifiedTests=false -Dlc4j.scaleOut.output=$PWD/docs/SCALE-OUT.md\n```\n\n");
        Runtime runtime = Runtime.getRuntime();
        page.append(String.format(
                Locale.ROOT,
                "Machine: %d processors, %s %s, Java %s; Spark %s in local mode (local[1] and local[2], one JVM), executors"
                        + " on cpu-java with 1 thread per task; LeNet300 (%,d weights), embedded Fashion-MNIST (8,000"
                        + " training samples), minibatch %d, SGD with momentum 0.9; per configuration one epoch timed after a"
                        + " warm-up of 8 minibatches, in %d interleaved rounds (median shown; the model's parts are"
                        + " medians too).%s\n\n",
                runtime.availableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                org.apache.spark.package$.MODULE$.SPARK_VERSION(),
                MODEL.parameterCount(),
                BATCH,
                rounds,
                smoke ? " **Smoke run: four minibatches only; not a measurement.**" : ""));
        page.append("JVM: ")
                .append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
                .append("\n\n");
        page.append("## Measured\n\n");
        page.append("| executors | mode | samples/s | min–max | ms per round | rounds per epoch |"
                + " MB broadcast per epoch | MB aggregated per epoch | model's ms per round |\n");
        page.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row row : rows) {
            Point point = row.median();
            page.append(String.format(
                    Locale.ROOT,
                    "| %d | %s | %,.0f | %,.0f–%,.0f | %.1f | %d | %.1f | %.1f | %.1f |\n",
                    point.executors(),
                    point.mode(),
                    point.samplesPerSecond(),
                    row.slowest(),
                    row.fastest(),
                    point.roundMillis(),
                    point.rounds(),
                    point.broadcastMegabytes(),
                    point.aggregatedMegabytes(),
                    point.predictedRoundMillis()));
        }
        page.append("\nOne LC iteration here is one epoch, as in the schedules of the tests and the README, so the"
                + " bytes per epoch are the bytes per LC iteration. Bytes count payloads: a broadcast once per"
                + " partition that reads it, every partition's result once.\n\n");
        page.append("The peer, a cpu-java step on one machine without Spark (median):\n\n"
                + "| step | time | samples/s |\n|---|---:|---:|\n");
        local.forEach(line -> page.append(line).append('\n'));
        double saved = stepMillis[1] - stepMillis[2];
        page.append(String.format(
                Locale.ROOT,
                MODEL_TEXT,
                overhead[1],
                overhead[2],
                transportAverage[2],
                stepMillis[1],
                stepMillis[2],
                transportAverage[2],
                saved,
                transportAverage[2] / saved));
        return page.toString();
    }
}
