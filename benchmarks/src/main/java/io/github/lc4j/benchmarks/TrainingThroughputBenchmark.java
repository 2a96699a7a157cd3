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
import io.github.lc4j.core.BatchPrefetcher;
import io.github.lc4j.core.Minibatches;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
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
 *
 * <p>One measurement alone, in this JVM: {@code --single MODEL/TRAINER[/BATCH]} prints
 * {@code steps/s=}, e.g. {@code --single resnet20/plain-tensorflow/128}; {@code --paired
 * MODEL/COMPARISON/BATCH} prints the per-pair rate ratios, e.g. {@code --paired
 * resnet20/tensorflow-vs-plain-tensorflow/128}; {@code --model MODEL} measures one model's rows
 * and paired comparisons as the table does and prints them.
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
        String only = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--output" -> output = Path.of(args[i + 1]);
                case "--single" -> single = args[i + 1];
                case "--paired" -> paired = args[i + 1];
                case "--model" -> only = args[i + 1];
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
        if (only != null) {
            String text = modelTable(only, threads);
            System.out.print(text);
            if (output != null) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                AtomicFiles.write(output, out -> out.write(bytes));
            }
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

    /** The nets of the table, each at its {@link #defaultBatch}. */
    static final List<String> MODELS = List.of("lenet300", "lenet5", "resnet20");

    /** Measures every net of {@link #MODELS} and returns the table with its notes (no heading). */
    static String table(int threads) {
        List<Row> rows = new ArrayList<>();
        for (String model : MODELS) {
            rows.addAll(measure(model, defaultBatch(model), threads));
        }
        return render(rows, threads) + pairedTable(MODELS, threads);
    }

    /** One net's rows and paired comparisons, as {@link #table} renders them. */
    static String modelTable(String model, int threads) {
        return render(measure(model, defaultBatch(model), threads), threads) + pairedTable(List.of(model), threads);
    }

    /** The {@link #paired} comparisons of {@code models}, as step-time ratios. */
    static String pairedTable(List<String> models, int threads) {
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
        if (models.stream().anyMatch(model -> StepTimer.Budget.forModel(model) != StepTimer.Budget.DEFAULT)) {
            StepTimer.Budget slow = StepTimer.Budget.SLOW_STEPS;
            text.insert(
                    text.indexOf(" Shown as step time"),
                    String.format(
                            Locale.ROOT,
                            " For %s, whose steps take about a second: %d pairs of blocks of at least %d steps and %.0f s,"
                                    + " after a warm-up of at least %d steps per loop and alternation.",
                            String.join(
                                    ", ",
                                    StepTimer.Budget.SLOW_MODELS.stream()
                                            .filter(models::contains)
                                            .sorted()
                                            .toList()),
                            slow.pairs(),
                            slow.blockSteps(),
                            slow.blockSeconds(),
                            slow.warmupSteps()));
        }
        for (String model : models) {
            int batch = defaultBatch(model);
            for (String comparison : paired(model)) {
                PairedSteps.Result result = forkedPaired(model, comparison, threads, batch);
                String[] sides = comparison.split("-vs-");
                // rates over rates inverted: a step-time ratio, so the quantiles swap ends
                text.append(String.format(
                        Locale.ROOT,
                        "| %s | %d | %s | %s | %.2f× | %.2f–%.2f× | %.2f–%.2f× |%n",
                        model,
                        batch,
                        LABELS.get(sides[0].replace("-penalty-on", "")),
                        comparison.endsWith("penalty-on-vs-off")
                                ? LABELS.get("cpu-java-no-penalty")
                                : LABELS.get(sides[1]),
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

    /**
     * cpu-java on the Vector API: the same trainer in a JVM started with {@link #VECTOR_OPTIONS}
     * (its products are the plain loops' bit for bit; only the time differs).
     */
    static final String CPU_JAVA_VECTOR = "cpu-java-vector";

    /** The JVM options that put cpu-java's matrix products on the Vector API. */
    static final List<String> VECTOR_OPTIONS = List.of("--add-modules", "jdk.incubator.vector");

    /** The JVM options a fork measuring {@code trainer} (or a comparison or run naming it) needs. */
    static List<String> jvmOptions(String trainer) {
        return trainer.contains(CPU_JAVA_VECTOR) ? VECTOR_OPTIONS : List.of();
    }

    /** Fails unless this JVM has the Vector API, which {@code trainer} is measured on. */
    private static void requireVectorApi(String trainer) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new IllegalStateException(
                    trainer + " needs a JVM started with " + String.join(" ", VECTOR_OPTIONS) + "; this one was not");
        }
    }

    /** What each trainer is called in the tables. */
    private static final Map<String, String> LABELS = Map.of(
            "cpu-java",
            "lc4j cpu-java, LC penalty on",
            CPU_JAVA_VECTOR,
            "lc4j cpu-java on the Vector API, LC penalty on",
            "cpu-java-no-penalty",
            "lc4j cpu-java, no penalty",
            "nd4j",
            "lc4j nd4j, LC penalty on",
            "tensorflow",
            "lc4j tensorflow, LC penalty on",
            "plain-tensorflow",
            "plain TensorFlow loop");

    /** The trainers measured on a chain. */
    static final List<String> TRAINERS = List.of(
            "cpu-java",
            CPU_JAVA_VECTOR,
            "cpu-java-no-penalty",
            "nd4j",
            "dl4j",
            "dl4j-blas1",
            "dl4j-op1",
            "tensorflow",
            "plain-tensorflow");
    /**
     * The trainers measured on a graph: lc4j's three backends and the plain TensorFlow loop (DL4J's
     * {@code MultiLayerNetwork} peer is built from a chain's layers).
     */
    static final List<String> GRAPH_TRAINERS =
            List.of("cpu-java", CPU_JAVA_VECTOR, "nd4j", "tensorflow", "plain-tensorflow");

    /** The trainers measured on {@code model}. */
    static List<String> trainers(String model) {
        return model(model).isChain() ? TRAINERS : GRAPH_TRAINERS;
    }

    /** Interleaved rounds of every measurement that forks one JVM per trainer (the whole-run section's too). */
    static final int ROUNDS = 3;

    /** The lower median: the middle value of an odd count, the lower middle one of an even count. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[(sorted.length - 1) / 2];
    }

    /**
     * Each trainer runs in a fresh JVM, so that no thread pool or JIT state of another skews it,
     * in {@link #ROUNDS} interleaved rounds (every trainer once per round), so that a slow spell
     * of the shared machine falls on all of them; the median round is reported. DL4J's peer is the
     * fastest of three thread settings.
     */
    private static List<Row> measure(String model, int batchSize, int threads) {
        List<String> trainers = trainers(model);
        Map<String, double[]> rates = new LinkedHashMap<>();
        trainers.forEach(trainer -> rates.put(trainer, new double[ROUNDS]));
        for (int round = 0; round < ROUNDS; round++) {
            for (String trainer : trainers) {
                rates.get(trainer)[round] = forkedOnce(model, trainer, threads, batchSize);
            }
        }
        Map<String, Double> median = new LinkedHashMap<>();
        rates.forEach((trainer, values) -> median.put(trainer, median(values)));
        if (!trainers.contains("dl4j")) {
            // a graph: lc4j's backends, each against the plain TensorFlow loop
            double plainTensorFlow = median.get("plain-tensorflow");
            List<Row> rows = new ArrayList<>();
            for (String trainer : trainers) {
                boolean peer = trainer.equals("plain-tensorflow");
                rows.add(new Row(
                        model,
                        batchSize,
                        peer ? "plain TensorFlow Java loop (peer), no penalty" : LABELS.get(trainer),
                        median.get(trainer),
                        rates.get(trainer),
                        peer ? "" : "plain TensorFlow loop",
                        peer ? null : median.get(trainer) / plainTensorFlow));
            }
            return rows;
        }
        double cpuJava = median.get("cpu-java");
        double cpuJavaVector = median.get(CPU_JAVA_VECTOR);
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
                        LABELS.get(CPU_JAVA_VECTOR),
                        cpuJavaVector,
                        rates.get(CPU_JAVA_VECTOR),
                        "plain TensorFlow loop",
                        cpuJavaVector / plainTensorFlow),
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
        String output = fork(jvmOptions(trainer), List.of("--single", model + "/" + trainer + "/" + batch), threads);
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

    /**
     * Runs this class's main with {@code arguments} in a fresh JVM started with {@code jvmOptions}
     * and returns what it printed.
     */
    private static String fork(List<String> jvmOptions, List<String> arguments, int threads) {
        List<String> withThreads = new ArrayList<>(arguments);
        withThreads.addAll(List.of("--threads", Integer.toString(threads)));
        return forkMain(TrainingThroughputBenchmark.class, jvmOptions, withThreads);
    }

    /**
     * Runs {@code main}'s main method with {@code arguments} in a fresh JVM started with {@code
     * jvmOptions} on this class path (the smoke setting passed on) and returns what it printed; a
     * non-zero exit is an error with it.
     */
    static String forkMain(Class<?> main, List<String> jvmOptions, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-D" + StepTimer.SMOKE + "=" + StepTimer.smoke(),
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(arguments);
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
            case CPU_JAVA_VECTOR -> {
                requireVectorApi(trainer);
                yield lc4jStepsPerSecond(new CpuJavaBackendProvider(), model, batches, threads, true);
            }
            case "cpu-java-no-penalty" ->
                lc4jStepsPerSecond(new CpuJavaBackendProvider(), model, batches, threads, false);
            case "nd4j" -> lc4jStepsPerSecond(new Nd4jBackendProvider(), model, batches, threads, true);
            case "tensorflow" -> lc4jStepsPerSecond(new TensorFlowBackendProvider(), model, batches, threads, true);
            default -> throw new IllegalArgumentException("unknown trainer " + trainer);
        };
    }

    private static double lc4jStepsPerSecond(
            BackendProvider provider, ModelSpec model, List<Batch> batches, int threads, boolean penalty) {
        StepTimer.Budget budget = StepTimer.Budget.forModel(model.name());
        return withTrainer(provider, model, threads, trainer -> {
            if (penalty) {
                trainer.setPenalty(zeroTargets(model), PENALTY);
            }
            return StepTimer.stepsPerSecond(budget, i -> trainer.step(batches.get(i % batches.size()), RATE));
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

    /** The comparisons {@link PairedSteps} makes on a chain, each in one fresh JVM. */
    static final List<String> PAIRED = List.of(
            "cpu-java-vs-plain-tensorflow", CPU_JAVA_VECTOR + "-vs-plain-tensorflow", "cpu-java-penalty-on-vs-off");

    /**
     * The comparisons made on a graph: the TensorFlow backend against the plain TensorFlow loop
     * (goal: at least 0.9× its steps per second) and cpu-java against it (goal: within 3× its step
     * time).
     */
    static final List<String> GRAPH_PAIRED = List.of(
            "tensorflow-vs-plain-tensorflow", "cpu-java-vs-plain-tensorflow", CPU_JAVA_VECTOR + "-vs-plain-tensorflow");

    /** The paired comparisons made on {@code model}. */
    static List<String> paired(String model) {
        return model(model).isChain() ? PAIRED : GRAPH_PAIRED;
    }

    /**
     * Runs {@code comparison} ({@code TRAINER-vs-plain-tensorflow} for cpu-java or tensorflow, or
     * {@code cpu-java-penalty-on-vs-off}) on {@code modelName} in this JVM.
     */
    static PairedSteps.Result pairedOnce(String modelName, String comparison, int threads, int batchSize) {
        if (comparison.endsWith("-prefetch-vs-inline") || comparison.endsWith("-prefetched-vs-cached")) {
            return prefetchedAgainst(modelName, comparison, threads, batchSize);
        }
        ModelSpec model = model(modelName);
        List<Batch> batches = batches(batchSize);
        Map<String, float[]> targets = zeroTargets(model);
        StepTimer.Budget budget = StepTimer.Budget.forModel(modelName);
        BackendProvider provider = switch (comparison) {
            case "cpu-java-vs-plain-tensorflow", "cpu-java-penalty-on-vs-off" -> new CpuJavaBackendProvider();
            case CPU_JAVA_VECTOR + "-vs-plain-tensorflow" -> {
                requireVectorApi(comparison);
                yield new CpuJavaBackendProvider();
            }
            case "tensorflow-vs-plain-tensorflow" -> new TensorFlowBackendProvider();
            default -> throw new IllegalArgumentException("unknown comparison " + comparison);
        };
        return withTrainer(provider, model, threads, trainer -> {
            PairedSteps.Loop penalized = trainerLoop(trainer, batches, targets, PENALTY);
            return comparison.equals("cpu-java-penalty-on-vs-off")
                    ? PairedSteps.compare(budget, penalized, trainerLoop(trainer, batches, Map.of(), 0))
                    : TensorFlowPeer.withLoop(
                            model, batches, threads, peer -> PairedSteps.compare(budget, penalized, peer));
        });
    }

    /**
     * {@code BACKEND-prefetch-vs-inline}: the same trainer stepping through the seeded minibatches of
     * the whole training set (the full Fashion-MNIST where installed), each batch gathered by the
     * {@link BatchPrefetcher} on its background thread in one loop and on the stepping thread in the
     * other, as a real L step gathers them; a ratio above 1 means prefetching is faster.
     * {@code BACKEND-prefetched-vs-cached}: the prefetched loop against the benchmark's own, which
     * cycles {@link #batches} of the embedded sample that stay in the caches; a ratio below 1 is what
     * a real run's data costs the step.
     */
    static PairedSteps.Result prefetchedAgainst(String modelName, String comparison, int threads, int batchSize) {
        ModelSpec model = model(modelName);
        BackendProvider provider = switch (comparison) {
            case "cpu-java-prefetch-vs-inline", "cpu-java-prefetched-vs-cached" -> new CpuJavaBackendProvider();
            case "tensorflow-prefetch-vs-inline", "tensorflow-prefetched-vs-cached" -> new TensorFlowBackendProvider();
            default -> throw new IllegalArgumentException("unknown comparison " + comparison);
        };
        Dataset training = DataSets.resolve(
                        java.nio.file.Files.isDirectory(DataSets.SYSTEM_FASHION_MNIST) ? "auto" : "embedded")
                .train();
        Minibatches minibatches = new Minibatches(training, batchSize, 1);
        int perEpoch = minibatches.batchesPerEpoch();
        StepTimer.Budget budget = StepTimer.Budget.forModel(modelName);
        try (BatchPrefetcher prefetcher = new BatchPrefetcher(minibatches::batch, perEpoch)) {
            return withTrainer(provider, model, threads, trainer -> {
                trainer.setPenalty(zeroTargets(model), PENALTY);
                // both loops walk one sequence of positions, so neither sees easier data
                long[] position = {0};
                PairedSteps.Loop prefetched = index -> {
                    long at = position[0]++;
                    trainer.step(prefetcher.take(at / perEpoch, (int) (at % perEpoch)), RATE);
                };
                PairedSteps.Loop inline = index -> {
                    long at = position[0]++;
                    trainer.step(minibatches.batch(at / perEpoch, (int) (at % perEpoch)), RATE);
                };
                return PairedSteps.compare(
                        budget,
                        prefetched,
                        comparison.endsWith("-prefetched-vs-cached")
                                ? trainerLoop(trainer, batches(batchSize), zeroTargets(model), PENALTY)
                                : inline);
            });
        }
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
        String output =
                fork(jvmOptions(comparison), List.of("--paired", model + "/" + comparison + "/" + batch), threads);
        return PairedSteps.Result.decode(printed(output, "ratios=", model + "/" + comparison));
    }

    /** A rate with one decimal, or two below 10 steps per second (ResNet-20's rates are about 1). */
    private static String rate(double stepsPerSecond) {
        return String.format(Locale.ROOT, stepsPerSecond < 10 ? "%.2f" : "%.1f", stepsPerSecond);
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
                    "| %s | %d | %s | %s | %s–%s | %s |%n",
                    row.model,
                    row.batch,
                    row.trainer,
                    rate(row.stepsPerSecond),
                    rate(sorted[0]),
                    rate(sorted[sorted.length - 1]),
                    row.ratio == null ? "" : String.format(Locale.ROOT, "%.2f× %s", row.ratio, row.peer)));
        }
        if (rows.stream().anyMatch(row -> StepTimer.Budget.forModel(row.model) != StepTimer.Budget.DEFAULT)) {
            StepTimer.Budget slow = StepTimer.Budget.SLOW_STEPS;
            text.append(String.format(
                    Locale.ROOT,
                    "%n%s steps take about a second: a warm-up of at least %d steps and %.0f s, then a timed run of"
                            + " at least %d steps and %.0f s; no DL4J rows (DL4J's peer is built from a chain of"
                            + " layers), each lc4j backend's ratio is to the plain TensorFlow loop.%n",
                    String.join(
                            ", ",
                            StepTimer.Budget.SLOW_MODELS.stream()
                                    .filter(model -> rows.stream().anyMatch(row -> row.model.equals(model)))
                                    .sorted()
                                    .toList()),
                    slow.warmupSteps(),
                    slow.warmupSeconds(),
                    slow.minimumSteps(),
                    slow.minimumSeconds()));
        }
        text.append("\nA ratio is steps per second over its peer's: for cpu-java against the plain TensorFlow loop,"
                + " its inverse is how many times TensorFlow's step time a cpu-java step takes.\n");
        return text.toString();
    }
}
