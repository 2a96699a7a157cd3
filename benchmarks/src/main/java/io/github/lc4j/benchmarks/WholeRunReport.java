package io.github.lc4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.lc4j.cli.Lc4jCommand;
import io.github.lc4j.core.data.DataSets;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The page's "whole LC run" section: real {@code lc4j compress} runs, each backend in a fresh JVM,
 * with where their time went (from the run's own JSON report), and the L step's steps per second
 * inside the run against the same backend's benchmark step (same net, same batch), measured in
 * the same regeneration.
 */
final class WholeRunReport {
    private WholeRunReport() {}

    /** A run of the section: the net, its reference, the options after them and the schedule in words. */
    record Setup(String model, String reference, List<String> options, String schedule) {}

    static final int BATCH = 128;

    static final String HEADING = "## A whole LC run";

    /** The backends whose run's data path is also compared paired with the benchmark's cached batches. */
    static final List<String> PAIRED_BACKENDS = List.of("cpu-java", "tensorflow");

    /**
     * The rounds measured: the throughput table's, one in smoke mode. One run per backend is a
     * single sample of a noisy wall time.
     */
    static int rounds() {
        return StepTimer.smoke() ? 1 : TrainingThroughputBenchmark.ROUNDS;
    }

    static final List<Setup> RUNS = List.of(
            new Setup(
                    "lenet300",
                    "docs/results/references/lenet300__seed1.npz",
                    List.of("--mu0", "0.005", "--mu-factor", "1.5", "--mu-steps", "10", "--tolerance", "0"),
                    "the toolkit comparison's schedule, its first 10 μ values (0.005·1.5^k), 3 epochs each, lr"
                            + " 0.05·0.98^k"),
            new Setup(
                    "lenet5",
                    "docs/results/references/lenet5__seed1.npz",
                    List.of(
                            "--mu0",
                            "0.005",
                            "--mu-factor",
                            "1.5",
                            "--mu-steps",
                            "3",
                            "--epochs-per-step",
                            "1",
                            "--lr",
                            "0.01",
                            "--lr-decay",
                            "0.97",
                            "--tolerance",
                            "0"),
                    "3 μ values (0.005·1.5^k), 1 epoch each, lr 0.01·0.97^k (LeNet5's grid schedule, shortened)"));

    /** The data of the section's runs: the full Fashion-MNIST where it is installed, else the embedded sample. */
    static String data() {
        return Files.isDirectory(DataSets.SYSTEM_FASHION_MNIST) && !StepTimer.smoke() ? "auto" : "embedded";
    }

    /** The arguments of {@code lc4j compress} for {@code setup} on {@code backend}, writing its report to {@code report}. */
    static List<String> arguments(Setup setup, String backend, Path report, int threads) {
        List<String> args = new ArrayList<>(List.of(
                "compress",
                "--model",
                setup.model(),
                "--weights",
                repositoryFile(setup.reference()).toString(),
                "--data",
                data(),
                "--backend",
                // cpu-java-vector is cpu-java in a JVM with the Vector API (TrainingThroughputBenchmark.jvmOptions)
                backend.equals(TrainingThroughputBenchmark.CPU_JAVA_VECTOR) ? "cpu-java" : backend,
                "--threads",
                Integer.toString(threads),
                "--codebook",
                "adaptive:2",
                "--batch",
                Integer.toString(BATCH),
                "--report",
                report.toString()));
        args.addAll(
                StepTimer.smoke()
                        ? List.of("--mu-steps", "1", "--epochs-per-step", "1", "--tolerance", "0")
                        : setup.options());
        return args;
    }

    /** {@code relative} in the repository: found from the working directory or a folder above it (a module's). */
    static Path repositoryFile(String relative) {
        for (Path folder = Path.of("").toAbsolutePath(); folder != null; folder = folder.getParent()) {
            if (Files.exists(folder.resolve(relative))) {
                return folder.resolve(relative);
            }
        }
        throw new IllegalStateException(
                relative + " is in no folder from " + Path.of("").toAbsolutePath() + " up");
    }

    /** Runs {@code MODEL/BACKEND} in this JVM, writing its report to {@code report}. */
    static void runInThisJvm(String modelAndBackend, Path report, int threads) {
        String[] parts = modelAndBackend.split("/");
        Setup setup = RUNS.stream()
                .filter(run -> run.model().equals(parts[0]))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no whole run for " + parts[0]));
        List<String> args = arguments(setup, parts[1], report, threads);
        StringWriter printed = new StringWriter();
        int exit = Lc4jCommand.execute(args.toArray(String[]::new), new PrintWriter(printed), new PrintWriter(printed));
        if (exit != 0) {
            throw new IllegalStateException(
                    "lc4j " + String.join(" ", args) + " exited with " + exit + ":\n" + printed);
        }
    }

    /** What one run's report says about its time. */
    record Measured(JsonNode time, long lStepSteps, long lStepMillis, long firstLStepMillis, long firstSteps) {
        double stepsPerSecond() {
            return lStepSteps / (lStepMillis / 1000.0);
        }

        /** After the first L step, which includes the JIT's and the backend's warm-up. */
        double stepsPerSecondAfterFirst() {
            return (lStepSteps - firstSteps) / ((lStepMillis - firstLStepMillis) / 1000.0);
        }
    }

    /** Reads the report of a run: the time it records, and the L steps' minibatches and wall time. */
    static Measured read(Path report) throws IOException {
        JsonNode root = new ObjectMapper().readTree(report.toFile());
        JsonNode options = root.get("settings").get("options");
        int trainingSize =
                root.get("settings").get("referenceTrain").get("samples").asInt();
        long perEpoch = (trainingSize + BATCH - 1) / BATCH;
        int epochsPerStep = options.get("epochs-per-step").asInt();
        JsonNode first = options.get("first-step-epochs");
        long steps = 0;
        long millis = 0;
        long firstMillis = 0;
        long firstSteps = 0;
        for (JsonNode iteration : root.get("iterations")) {
            int k = iteration.get("iteration").asInt();
            if (k == 0) {
                continue;
            }
            long epochs = k == 1 && first != null && !first.isNull() ? first.asInt() : epochsPerStep;
            steps += epochs * perEpoch;
            millis += iteration.get("lStepMillis").asLong();
            if (k == 1) {
                firstMillis = iteration.get("lStepMillis").asLong();
                firstSteps = epochs * perEpoch;
            }
        }
        return new Measured(root.get("time"), steps, millis, firstMillis, firstSteps);
    }

    /** One round of a run on a backend: the run, and the benchmark step measured right after it. */
    record Round(Measured run, double benchmark) {
        double ratio() {
            return run.stepsPerSecond() / benchmark;
        }

        double ratioAfterFirst() {
            return run.stepsPerSecondAfterFirst() / benchmark;
        }
    }

    /**
     * A row of the table from its rounds: the time columns of the median round by run time (one
     * real run, so that its columns add up), the medians of the rates, and the median and range of
     * the per-round ratios (each run against the benchmark taken right after it).
     */
    record Row(
            Measured medianRun,
            double runRate,
            double runRateAfterFirst,
            double benchmark,
            double[] ratios,
            double[] ratiosAfterFirst) {
        static Row of(List<Round> rounds) {
            if (rounds.isEmpty()) {
                throw new IllegalArgumentException("a row needs at least one round");
            }
            List<Round> byTime = new ArrayList<>(rounds);
            byTime.sort(Comparator.comparingLong(
                    round -> round.run().time().get("totalMillis").asLong()));
            return new Row(
                    byTime.get((byTime.size() - 1) / 2).run(),
                    TrainingThroughputBenchmark.median(rounds.stream()
                            .mapToDouble(round -> round.run().stepsPerSecond())
                            .toArray()),
                    TrainingThroughputBenchmark.median(rounds.stream()
                            .mapToDouble(round -> round.run().stepsPerSecondAfterFirst())
                            .toArray()),
                    TrainingThroughputBenchmark.median(
                            rounds.stream().mapToDouble(Round::benchmark).toArray()),
                    sorted(rounds.stream().mapToDouble(Round::ratio).toArray()),
                    sorted(rounds.stream().mapToDouble(Round::ratioAfterFirst).toArray()));
        }

        double ratio() {
            return TrainingThroughputBenchmark.median(ratios);
        }

        double ratioAfterFirst() {
            return TrainingThroughputBenchmark.median(ratiosAfterFirst);
        }
    }

    private static double[] sorted(double[] values) {
        double[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }

    /**
     * Measures every run on every backend in {@code rounds} interleaved rounds (each run in a fresh
     * JVM, then its benchmark step in another) and returns the section.
     */
    static String section(List<String> backends, int threads, int rounds) {
        StringBuilder page = new StringBuilder(HEADING + "\n\n");
        page.append(String.format(
                Locale.ROOT,
                "`lc4j compress` at K = 2 per layer (adaptive), batch %d, %d threads, on %s, from the committed"
                        + " references (`docs/results/references`), each run in a fresh JVM; where its time went, from"
                        + " the `time` of its JSON report (`--verbose` prints the same line). The L step's rate is its"
                        + " minibatches over its wall time (waiting for data included), for the whole run and after"
                        + " the first L step (which includes the JIT's and the backend's warm-up); the benchmark's is"
                        + " the same backend's `TrainingThroughputBenchmark --single MODEL/BACKEND/%d` step (LC"
                        + " penalty on, a fresh JVM, warmed up) measured right after the run. %d interleaved rounds"
                        + " (every run and its benchmark once per round, so that a slow spell of the machine falls on"
                        + " all of them): the time columns are the round of median run time, the rates are medians,"
                        + " and each round's run is divided by its own benchmark (median, and the range over the"
                        + " rounds).%n%n",
                BATCH,
                threads,
                data().equals("auto")
                        ? "the full Fashion-MNIST (60,000 training, 10,000 test images)"
                        : "the embedded sample (the full Fashion-MNIST is not installed)",
                BATCH,
                rounds));
        for (Setup setup : RUNS) {
            page.append(String.format(Locale.ROOT, "%s: %s.%n%n", setup.model(), setup.schedule()));
        }
        Map<String, List<Round>> measured = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (Setup setup : RUNS) {
                for (String backend : backends) {
                    Measured run = forked(setup, backend);
                    double benchmark = TrainingThroughputBenchmark.forkedOnce(setup.model(), backend, threads, BATCH);
                    measured.computeIfAbsent(setup.model() + "/" + backend, key -> new ArrayList<>())
                            .add(new Round(run, benchmark));
                }
            }
        }
        page.append("| model | backend | run s | L-step compute s | waiting for data s | C steps s | evaluation s |"
                + " checkpoints s | other s | L-step steps/s in the run (after the first) | benchmark steps/s |"
                + " in the run / benchmark (after the first) | range over the rounds |\n");
        page.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        measured.forEach((key, values) -> page.append(tableRow(key.split("/")[0], key.split("/")[1], Row.of(values))));
        page.append(String.format(
                Locale.ROOT,
                "%nWhat a real run's data costs the step, paired in one JVM (so that the machine's slow spells,"
                        + " which move the rounds above by tens of percent, fall on both sides): LeNet300, batch %d,"
                        + " the trainer stepping through the seeded minibatches of the whole training set gathered"
                        + " by the run's `BatchPrefetcher`, against the same trainer on the benchmark's cached"
                        + " batches (`TrainingThroughputBenchmark --paired lenet300/BACKEND-prefetched-vs-cached/%d`),"
                        + " steps per second of the first over the second, per pair of blocks:%n%n"
                        + "| backend | median | quartiles | min–max |%n|---|---:|---:|---:|%n",
                BATCH,
                BATCH));
        for (String backend : PAIRED_BACKENDS) {
            PairedSteps.Result result = TrainingThroughputBenchmark.forkedPaired(
                    "lenet300", backend + "-prefetched-vs-cached", threads, BATCH);
            page.append(String.format(
                    Locale.ROOT,
                    "| %s | %.2f | %.2f–%.2f | %.2f–%.2f |%n",
                    backend,
                    result.median(),
                    result.quantile(0.25),
                    result.quantile(0.75),
                    result.quantile(0),
                    result.quantile(1)));
        }
        page.append("\nAgainst the authors' PyTorch LC toolkit (the same LeNet300 run, schedule and reference, by hand:"
                + " Python is not part of the build): [`benchmarks/toolkit/README.md`](../benchmarks/toolkit/README.md)"
                + " has the script, the commands and the measured times.\n\n");
        return page.toString();
    }

    static String tableRow(String model, String backend, Row row) {
        JsonNode time = row.medianRun().time();
        double[] ratios = row.ratios();
        return String.format(
                Locale.ROOT,
                "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f (%.0f) | %.0f | %.2f (%.2f) | %.2f–%.2f |%n",
                model,
                backend,
                seconds(time, "totalMillis"),
                seconds(time, "lStepComputeMillis"),
                seconds(time, "dataMillis"),
                seconds(time, "cStepMillis"),
                seconds(time, "evaluationMillis"),
                seconds(time, "checkpointMillis"),
                seconds(time, "otherMillis"),
                row.runRate(),
                row.runRateAfterFirst(),
                row.benchmark(),
                row.ratio(),
                row.ratioAfterFirst(),
                ratios[0],
                ratios[ratios.length - 1]);
    }

    /**
     * Replaces the section in the page {@code text} (from its heading to the next heading) with
     * {@code section}; the rest of the page stays as it was.
     */
    static String replaceSection(String text, String section) {
        int start = text.indexOf(HEADING + "\n");
        if (start < 0) {
            throw new IllegalArgumentException(
                    "the page has no '" + HEADING + "' section to replace; regenerate the whole page instead");
        }
        int next = text.indexOf("\n## ", start + HEADING.length());
        return text.substring(0, start) + section + (next < 0 ? "" : text.substring(next + 1));
    }

    private static double seconds(JsonNode time, String key) {
        return time.get(key).asLong() / 1000.0;
    }

    /** Runs {@code setup} on {@code backend} in a fresh JVM (with the page's threads) and reads its report. */
    static Measured forked(Setup setup, String backend) {
        try {
            Path report = Files.createTempFile("lc4j-whole-run", ".json");
            TrainingThroughputBenchmark.forkMain(
                    PerformanceReport.class,
                    TrainingThroughputBenchmark.jvmOptions(backend),
                    List.of("--lc-run", setup.model() + "/" + backend, report.toString()));
            Measured measured = read(report);
            Files.deleteIfExists(report);
            return measured;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
