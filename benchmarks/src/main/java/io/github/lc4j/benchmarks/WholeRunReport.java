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
import java.util.List;
import java.util.Locale;

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

    static final List<Setup> RUNS = List.of(
            new Setup(
                    "lenet300",
                    "docs/results/references/lenet300__seed1.npz",
                    List.of("--mu-steps", "10", "--tolerance", "0"),
                    "the default schedule's first 10 μ values (0.005·1.5^k), 3 epochs each, lr 0.05·0.98^k"),
            new Setup(
                    "lenet5",
                    "docs/results/references/lenet5__seed1.npz",
                    List.of(
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
                backend,
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

    /** Measures every run on every backend, each in a fresh JVM, and returns the section. */
    static String section(List<String> backends, int threads) {
        StringBuilder page = new StringBuilder("## A whole LC run\n\n");
        page.append(String.format(
                Locale.ROOT,
                "`lc4j compress` at K = 2 per layer (adaptive), batch %d, %d threads, on %s, from the committed"
                        + " references (`docs/results/references`), each run in a fresh JVM; where its time went, from"
                        + " the `time` of its JSON report (`--verbose` prints the same line). The L step's rate is its"
                        + " minibatches over its wall time (waiting for data included), for the whole run and after"
                        + " the first L step (which includes the JIT's and the backend's warm-up); the benchmark's is"
                        + " the same backend's `TrainingThroughputBenchmark --single MODEL/BACKEND/%d` step (LC"
                        + " penalty on, a fresh JVM, warmed up) measured right after the run.%n%n",
                BATCH,
                threads,
                data().equals("auto")
                        ? "the full Fashion-MNIST (60,000 training, 10,000 test images)"
                        : "the embedded sample (the full Fashion-MNIST is not installed)",
                BATCH));
        for (Setup setup : RUNS) {
            page.append(String.format(Locale.ROOT, "%s: %s.%n%n", setup.model(), setup.schedule()));
        }
        page.append("| model | backend | run s | L-step compute s | waiting for data s | C steps s | evaluation s |"
                + " checkpoints s | other s | L-step steps/s in the run (after the first) | benchmark steps/s |"
                + " in the run / benchmark (after the first) |\n");
        page.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Setup setup : RUNS) {
            for (String backend : backends) {
                Measured run = forked(setup, backend);
                double benchmark = TrainingThroughputBenchmark.forkedOnce(setup.model(), backend, threads, BATCH);
                JsonNode time = run.time();
                page.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f (%.0f) | %.0f | %.2f (%.2f) |%n",
                        setup.model(),
                        backend,
                        seconds(time, "totalMillis"),
                        seconds(time, "lStepComputeMillis"),
                        seconds(time, "dataMillis"),
                        seconds(time, "cStepMillis"),
                        seconds(time, "evaluationMillis"),
                        seconds(time, "checkpointMillis"),
                        seconds(time, "otherMillis"),
                        run.stepsPerSecond(),
                        run.stepsPerSecondAfterFirst(),
                        benchmark,
                        run.stepsPerSecond() / benchmark,
                        run.stepsPerSecondAfterFirst() / benchmark));
            }
        }
        return page.append('\n').toString();
    }

    private static double seconds(JsonNode time, String key) {
        return time.get(key).asLong() / 1000.0;
    }

    /** Runs {@code setup} on {@code backend} in a fresh JVM (with the page's threads) and reads its report. */
    static Measured forked(Setup setup, String backend) {
        try {
            Path report = Files.createTempFile("lc4j-whole-run", ".json");
            TrainingThroughputBenchmark.forkMain(
                    PerformanceReport.class, List.of("--lc-run", setup.model() + "/" + backend, report.toString()));
            Measured measured = read(report);
            Files.deleteIfExists(report);
            return measured;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
