package io.github.lc4j.benchmarks;

import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.nd4j.Nd4jBackendProvider;
import io.github.lc4j.backend.tensorflow.TensorFlowBackendProvider;
import io.github.lc4j.core.DataSets;
import io.github.lc4j.core.Dataset;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.io.AtomicFiles;
import io.github.lc4j.core.zoo.ModelZoo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training throughput (steps per second) of lc4j's backends with the LC penalty on, against
 * peers measured in the same run on the same network, batch and data: DL4J's
 * {@code MultiLayerNetwork.fit} (the ND4J backend's peer) and a plain TensorFlow Java loop written
 * directly against TensorFlow (the TensorFlow backend's peer).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.lc4j.benchmarks.TrainingThroughputBenchmark \
 *     [--threads 2] [--output FILE.md]
 * </pre>
 */
public final class TrainingThroughputBenchmark {
    private record Row(
            String model,
            int batch,
            String trainer,
            double stepsPerSecond,
            double[] rounds,
            String peer,
            Double ratio) {}

    private TrainingThroughputBenchmark() {}

    /** Runs the comparison; see the class comment for the arguments. */
    public static void main(String[] args) {
        int threads = 2;
        Path output = null;
        String single = null;
        String paired = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--output" -> output = Path.of(args[i + 1]);
                case "--single" -> single = args[i + 1];
                case "--paired" -> paired = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (paired != null) {
            String[] parts = paired.split("/");
            System.out.println("ratios="
                    + pairedOnce(parts[0], parts[1], threads, Integer.parseInt(parts[2]))
                            .encode());
            return;
        }
        if (single != null) {
            String[] parts = single.split("/");
            int batch = parts.length > 2 ? Integer.parseInt(parts[2]) : defaultBatch(parts[0]);
            System.out.println("steps/s=" + measureOne(parts[0], parts[1], threads, batch));
            return;
        }
        String table = "# Training throughput: lc4j backends against DL4J and plain TensorFlow Java\n\n"
                + "Regenerate with:\n\n```bash\nmvn -B -q -DskipTests package\n"
                + "java -cp benchmarks/target/benchmarks.jar io.github.lc4j.benchmarks.TrainingThroughputBenchmark"
                + " --output FILE.md\n```\n\n(docs/PERFORMANCE.md holds this table with the rest.)\n\n"
                + table(threads);
        System.out.print(table);
        if (output != null) {
            byte[] bytes = table.getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(output, out -> out.write(bytes));
        }
    }

    /** Measures both nets and returns the table with its notes (no heading). */
    static String table(int threads) {
        List<Row> rows = new ArrayList<>();
        rows.addAll(measure("lenet300", 256, threads));
        rows.addAll(measure("lenet5", 128, threads));
        return render(rows, threads) + pairedTable(threads);
    }

    /** The {@link #PAIRED} comparisons for both nets, as step-time ratios. */
    static String pairedTable(int threads) {
        StringBuilder text = new StringBuilder(String.format(
                Locale.ROOT,
                "%nThe same ratios measured paired: both loops in one fresh JVM, alternated in blocks of %.0f s"
                        + " (the order flipping every pair) for %d pairs after a warm-up, the ratio taken per"
                        + " pair, so that a slow spell of the machine falls on both sides of a pair. Shown as step"
                        + " time over the other loop's step time:%n%n"
                        + "| model | batch | step time of | over | median | quartiles | min–max |%n"
                        + "|---|---:|---|---|---:|---:|---:|%n",
                PairedSteps.BLOCK_SECONDS,
                PairedSteps.PAIRS));
        for (String model : new String[] {"lenet300", "lenet5"}) {
            int batch = defaultBatch(model);
            for (String comparison : PAIRED) {
                PairedSteps.Result result = forkedPaired(model, comparison, threads, batch);
                boolean peer = comparison.endsWith("plain-tensorflow");
                // rates over rates inverted: a step-time ratio, so the quantiles swap ends
                text.append(String.format(
                        Locale.ROOT,
                        "| %s | %d | %s | %s | %.2f× | %.2f–%.2f× | %.2f–%.2f× |%n",
                        model,
                        batch,
                        "lc4j cpu-java, LC penalty on",
                        peer ? "plain TensorFlow loop" : "lc4j cpu-java, no penalty",
                        1 / result.median(),
                        1 / result.quantile(0.75),
                        1 / result.quantile(0.25),
                        1 / result.quantile(1),
                        1 / result.quantile(0)));
            }
        }
        return text.toString();
    }

    static int defaultBatch(String model) {
        return model.startsWith("lenet300") ? 256 : 128;
    }

    static final List<String> TRAINERS = List.of(
            "cpu-java",
            "cpu-java-no-penalty",
            "nd4j",
            "dl4j",
            "dl4j-blas1",
            "dl4j-op1",
            "tensorflow",
            "plain-tensorflow");
    private static final int ROUNDS = 3;

    /**
     * Each trainer runs in a fresh JVM, so that no thread pool or JIT state of another skews it,
     * in {@link #ROUNDS} interleaved rounds (every trainer once per round), so that a slow spell
     * of the shared machine falls on all of them; the median round is reported. DL4J's peer is the
     * fastest of three thread settings.
     */
    private static List<Row> measure(String model, int batchSize, int threads) {
        Map<String, double[]> rates = new LinkedHashMap<>();
        TRAINERS.forEach(trainer -> rates.put(trainer, new double[ROUNDS]));
        for (int round = 0; round < ROUNDS; round++) {
            for (String trainer : TRAINERS) {
                rates.get(trainer)[round] = forkedOnce(model, trainer, threads, batchSize);
            }
        }
        Map<String, Double> median = new LinkedHashMap<>();
        rates.forEach((trainer, values) -> {
            java.util.Arrays.sort(values);
            median.put(trainer, values[ROUNDS / 2]);
        });
        double cpuJava = median.get("cpu-java");
        double cpuJavaPlain = median.get("cpu-java-no-penalty");
        double nd4j = median.get("nd4j");
        double dl4jBoth = median.get("dl4j");
        double dl4jBlas1 = median.get("dl4j-blas1");
        double dl4jOp1 = median.get("dl4j-op1");
        double dl4j = Math.max(dl4jBoth, Math.max(dl4jBlas1, dl4jOp1));
        double tensorflow = median.get("tensorflow");
        double plainTensorFlow = median.get("plain-tensorflow");
        return List.of(
                new Row(
                        model,
                        batchSize,
                        "lc4j cpu-java, LC penalty on",
                        cpuJava,
                        rates.get("cpu-java"),
                        "plain TensorFlow loop",
                        cpuJava / plainTensorFlow),
                new Row(
                        model,
                        batchSize,
                        "lc4j cpu-java, no penalty",
                        cpuJavaPlain,
                        rates.get("cpu-java-no-penalty"),
                        "= step time with the penalty / without",
                        cpuJavaPlain / cpuJava),
                new Row(
                        model,
                        batchSize,
                        "lc4j nd4j, LC penalty on",
                        nd4j,
                        rates.get("nd4j"),
                        "the fastest DL4J",
                        nd4j / dl4j),
                new Row(
                        model,
                        batchSize,
                        String.format(
                                Locale.ROOT,
                                "DL4J MultiLayerNetwork.fit (peer), L2 1e-4;" + " libnd4j %d, OpenBLAS %d threads",
                                threads,
                                threads),
                        dl4jBoth,
                        rates.get("dl4j"),
                        "",
                        null),
                new Row(
                        model,
                        batchSize,
                        String.format(
                                Locale.ROOT,
                                "DL4J MultiLayerNetwork.fit (peer), L2 1e-4;" + " libnd4j %d, OpenBLAS 1 thread",
                                threads),
                        dl4jBlas1,
                        rates.get("dl4j-blas1"),
                        "",
                        null),
                new Row(
                        model,
                        batchSize,
                        String.format(
                                Locale.ROOT,
                                "DL4J MultiLayerNetwork.fit (peer), L2 1e-4;"
                                        + " libnd4j 1, OpenBLAS %d threads (lc4j nd4j's default)",
                                threads),
                        dl4jOp1,
                        rates.get("dl4j-op1"),
                        "",
                        null),
                new Row(
                        model,
                        batchSize,
                        "lc4j tensorflow, LC penalty on",
                        tensorflow,
                        rates.get("tensorflow"),
                        "plain TensorFlow loop",
                        tensorflow / plainTensorFlow),
                new Row(
                        model,
                        batchSize,
                        "plain TensorFlow Java loop (peer), no penalty",
                        plainTensorFlow,
                        rates.get("plain-tensorflow"),
                        "",
                        null));
    }

    /** Steps per second of one trainer in a fresh JVM. */
    static double forkedOnce(String model, String trainer, int threads, int batch) {
        String output = fork(List.of("--single", model + "/" + trainer + "/" + batch), threads);
        return Double.parseDouble(printed(output, "steps/s=", model + "/" + trainer));
    }

    /** What a forked run printed after {@code key} on its line. */
    private static String printed(String output, String key, String run) {
        for (String line : output.split("\n")) {
            if (line.startsWith(key)) {
                return line.substring(key.length());
            }
        }
        throw new IllegalStateException(run + " printed no " + key + ":\n" + output);
    }

    /** Runs this class's main with {@code arguments} in a fresh JVM and returns what it printed. */
    private static String fork(List<String> arguments, int threads) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + StepTimer.SMOKE + "=" + StepTimer.smoke(),
                "-cp",
                System.getProperty("java.class.path"),
                TrainingThroughputBenchmark.class.getName()));
        command.addAll(arguments);
        command.addAll(List.of("--threads", Integer.toString(threads)));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", arguments) + " failed:\n" + output);
            }
            return output;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A zoo model by name, or LeNet300 with another first-layer width: {@code lenet300-w1200} is
     * 784-1200-100-10 with tanh.
     */
    static ModelSpec model(String name) {
        if (name.startsWith("lenet300-w")) {
            int width = Integer.parseInt(name.substring("lenet300-w".length()));
            return ModelSpec.of(
                    name,
                    new int[] {1, 28, 28},
                    List.of(
                            Layer.flatten(),
                            Layer.dense("fc1", width),
                            Layer.tanh(),
                            Layer.dense("fc2", 100),
                            Layer.tanh(),
                            Layer.dense("fc3", 10)));
        }
        return ModelZoo.byName(name);
    }

    /** The first 16 full batches of {@code batchSize} embedded training samples, which every timed loop cycles through. */
    static List<Batch> batches(int batchSize) {
        Dataset data = DataSets.embeddedFashionMnist().train();
        List<Batch> batches = new ArrayList<>();
        for (int from = 0; from + batchSize <= data.size() && batches.size() < 16; from += batchSize) {
            batches.add(data.range(from, from + batchSize));
        }
        return batches;
    }

    /** Penalty targets of zero for every weight matrix: the penalty's cost, whatever its pull. */
    static Map<String, float[]> zeroTargets(ModelSpec model) {
        Map<String, float[]> targets = new LinkedHashMap<>();
        for (ParameterSpec parameter : model.parameters()) {
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                targets.put(parameter.name(), new float[parameter.size()]);
            }
        }
        return targets;
    }

    static double measureOne(String modelName, String trainer, int threads, int batchSize) {
        ModelSpec model = model(modelName);
        List<Batch> batches = batches(batchSize);
        return switch (trainer) {
            case "dl4j" -> Dl4jPeer.stepsPerSecond(model, batches, threads, threads);
            case "dl4j-blas1" -> Dl4jPeer.stepsPerSecond(model, batches, threads, 1);
            case "dl4j-op1" -> Dl4jPeer.stepsPerSecond(model, batches, 1, threads);
            case "plain-tensorflow" -> TensorFlowPeer.stepsPerSecond(model, batches, threads);
            case "cpu-java" -> lc4jStepsPerSecond(new CpuJavaBackendProvider(), model, batches, threads, true);
            case "cpu-java-no-penalty" ->
                lc4jStepsPerSecond(new CpuJavaBackendProvider(), model, batches, threads, false);
            case "nd4j" -> lc4jStepsPerSecond(new Nd4jBackendProvider(), model, batches, threads, true);
            case "tensorflow" -> lc4jStepsPerSecond(new TensorFlowBackendProvider(), model, batches, threads, true);
            default -> throw new IllegalArgumentException("unknown trainer " + trainer);
        };
    }

    private static double lc4jStepsPerSecond(
            BackendProvider provider, ModelSpec model, List<Batch> batches, int threads, boolean penalty) {
        return withTrainer(provider, model, threads, trainer -> {
            if (penalty) {
                trainer.setPenalty(zeroTargets(model), PENALTY);
            }
            return StepTimer.stepsPerSecond(i -> trainer.step(batches.get(i % batches.size()), RATE));
        });
    }

    /** The μ and learning rate of every timed lc4j step (zero targets: the penalty costs the same whatever its pull). */
    static final double PENALTY = 1e-4;

    static final double RATE = 0.01;

    /** A trainer with SGD, Nesterov momentum 0.9, loaded with the seed-1 initial weights; the caller closes it. */
    static Trainer openTrainer(BackendProvider provider, ModelSpec model, int threads) {
        Backend backend = provider.create(BackendConfig.withThreads(threads));
        Trainer trainer = backend.newTrainer(model, new TrainerOptions(0.9, true));
        trainer.load(WeightInitializer.initialize(model, 1));
        return trainer;
    }

    private static <T> T withTrainer(
            BackendProvider provider, ModelSpec model, int threads, java.util.function.Function<Trainer, T> use) {
        try (Trainer trainer = openTrainer(provider, model, threads)) {
            return use.apply(trainer);
        }
    }

    /** The comparisons {@link PairedSteps} makes, each in one fresh JVM. */
    static final List<String> PAIRED = List.of("cpu-java-vs-plain-tensorflow", "cpu-java-penalty-on-vs-off");

    static PairedSteps.Result pairedOnce(String modelName, String comparison, int threads, int batchSize) {
        ModelSpec model = model(modelName);
        List<Batch> batches = batches(batchSize);
        Map<String, float[]> targets = zeroTargets(model);
        return withTrainer(new CpuJavaBackendProvider(), model, threads, trainer -> {
            PairedSteps.Loop penalized = trainerLoop(trainer, batches, targets, PENALTY);
            return switch (comparison) {
                case "cpu-java-vs-plain-tensorflow" ->
                    TensorFlowPeer.withLoop(model, batches, threads, peer -> PairedSteps.compare(penalized, peer));
                case "cpu-java-penalty-on-vs-off" ->
                    PairedSteps.compare(penalized, trainerLoop(trainer, batches, Map.of(), 0));
                default -> throw new IllegalArgumentException("unknown comparison " + comparison);
            };
        });
    }

    /** Steps of {@code trainer} over {@code batches}, each block starting with the penalty (targets, μ). */
    private static PairedSteps.Loop trainerLoop(
            Trainer trainer, List<Batch> batches, Map<String, float[]> targets, double mu) {
        return new PairedSteps.Loop() {
            @Override
            public void begin() {
                trainer.setPenalty(targets, mu);
            }

            @Override
            public void step(int index) {
                trainer.step(batches.get(index % batches.size()), RATE);
            }
        };
    }

    /** {@link #pairedOnce} in a fresh JVM. */
    static PairedSteps.Result forkedPaired(String model, String comparison, int threads, int batch) {
        String output = fork(List.of("--paired", model + "/" + comparison + "/" + batch), threads);
        return PairedSteps.Result.decode(printed(output, "ratios=", model + "/" + comparison));
    }

    private static String render(List<Row> rows, int threads) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                Locale.ROOT,
                "Machine: %d processors, %s %s, Java %s; %d threads for every"
                        + " trainer, each trainer in a fresh JVM, three interleaved rounds (median shown); a warm-up of at least %d steps and %.0f s, then a timed run of at least %.0f s; SGD with Nesterov momentum 0.9; embedded"
                        + " Fashion-MNIST batches.%n%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                threads,
                StepTimer.WARMUP_STEPS,
                StepTimer.WARMUP_SECONDS,
                StepTimer.MINIMUM_SECONDS));
        text.append("| model | batch | trainer | steps/s | rounds (min–max) | ratio to its peer |\n"
                + "|---|---:|---|---:|---:|---:|\n");
        for (Row row : rows) {
            double[] sorted = row.rounds.clone();
            java.util.Arrays.sort(sorted);
            text.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %s | %.1f | %.1f–%.1f | %s |%n",
                    row.model,
                    row.batch,
                    row.trainer,
                    row.stepsPerSecond,
                    sorted[0],
                    sorted[sorted.length - 1],
                    row.ratio == null ? "" : String.format(Locale.ROOT, "%.2f× %s", row.ratio, row.peer)));
        }
        text.append("\nA ratio is steps per second over its peer's: for cpu-java against the plain TensorFlow loop,"
                + " its inverse is how many times TensorFlow's step time a cpu-java step takes.\n");
        return text.toString();
    }
}
