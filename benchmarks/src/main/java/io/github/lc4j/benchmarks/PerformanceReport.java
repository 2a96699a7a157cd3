package io.github.lc4j.benchmarks;

import io.github.lc4j.core.io.AtomicFiles;
import io.github.lc4j.experiments.LinePlot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The performance page, {@code docs/PERFORMANCE.md} with its plots: training steps per second per
 * backend against its peers, the wall time of a whole LC run per backend, how a step's cost grows
 * with the batch and with the first layer's width, and the C step's solvers.
 *
 * <pre>
 * mvn -B -q -DskipTests package
 * java -cp benchmarks/target/benchmarks.jar io.github.lc4j.benchmarks.PerformanceReport --output docs/PERFORMANCE.md
 * </pre>
 *
 * Every training measurement runs in a fresh JVM. With {@code -Dlc4j.benchmark.smoke=true} every
 * timing is a two-step smoke run and the page says so: what the build runs to keep it working.
 */
public final class PerformanceReport {
    static final List<String> BACKENDS =
            List.of("cpu-java", TrainingThroughputBenchmark.CPU_JAVA_VECTOR, "nd4j", "tensorflow");
    static final int[] BATCHES = {32, 64, 128, 256, 512, 1024};
    static final int[] WIDTHS = {300, 1200, 4800};
    private static final int THREADS = 2;

    private PerformanceReport() {}

    /**
     * Writes the page; {@code --section whole-run} measures only the whole-LC-run section and
     * replaces it in the existing page; {@code --lc-run MODEL/BACKEND REPORT.json} (internal) runs
     * one whole LC run in this JVM.
     */
    public static void main(String[] args) throws IOException {
        Path output = Path.of("docs/PERFORMANCE.md");
        String section = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--output" -> output = Path.of(args[i + 1]);
                case "--section" -> section = args[i + 1];
                case "--lc-run" -> {
                    WholeRunReport.runInThisJvm(args[i + 1], Path.of(args[i + 2]), THREADS);
                    return;
                }
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i] + "; expected --output FILE.md [--section whole-run]");
            }
        }
        if (section == null) {
            write(output);
        } else if (section.equals("whole-run")) {
            String page = Files.readString(output);
            publish(
                    output,
                    WholeRunReport.replaceSection(
                            page, WholeRunReport.section(BACKENDS, THREADS, WholeRunReport.rounds())));
        } else {
            throw new IllegalArgumentException("unknown section '" + section + "'; expected whole-run");
        }
    }

    static void write(Path output) {
        Path directory = output.toAbsolutePath().getParent();
        Path plots = directory.resolve("performance");
        StringBuilder page = new StringBuilder();
        page.append("# Performance\n\n");
        page.append("Regenerate this page and its plots (about an hour; nothing else should run on the machine), or"
                + " only its whole-LC-run section (about 25 minutes, `PerformanceReport --section whole-run`):\n\n"
                + "```bash\nmvn -B -q -DskipTests package\n"
                + "java -cp benchmarks/target/benchmarks.jar io.github.lc4j.benchmarks.PerformanceReport"
                + " --output docs/PERFORMANCE.md [--section whole-run]\n```\n\n");
        if (StepTimer.smoke()) {
            page.append("**Smoke run: two steps per measurement, not a measurement.**\n\n");
        }
        page.append(machine()).append('\n');

        page.append("## Training steps per second\n\n");
        page.append(TrainingThroughputBenchmark.table(THREADS)).append('\n');

        page.append(WholeRunReport.section(BACKENDS, THREADS, WholeRunReport.rounds()));

        page.append("## How a step's cost grows\n\n");
        page.append("Steps per second of each backend (LC penalty on, SGD with Nesterov momentum), one fresh JVM"
                + " per point, one round. Against the batch size (LeNet300, 784-300-100-10):\n\n");
        Map<String, double[][]> byBatch = new LinkedHashMap<>();
        page.append(scalingTable("batch", BATCHES, byBatch, value -> "lenet300", value -> value));
        page.append("\n![samples per second against batch size](performance/plots/")
                .append(LinePlot.write(
                        plots,
                        "steps-per-second-by-batch.png",
                        "LeNet300: samples per second against batch size",
                        "batch size",
                        "samples per second",
                        samplesPerSecond(byBatch),
                        true))
                .append(")\n\n");
        page.append("Against the first layer's width (784-W-100-10, batch 256):\n\n");
        Map<String, double[][]> byWidth = new LinkedHashMap<>();
        page.append(scalingTable("width W", WIDTHS, byWidth, value -> "lenet300-w" + value, value -> 256));
        page.append("\n![steps per second against width](performance/plots/")
                .append(LinePlot.write(
                        plots,
                        "steps-per-second-by-width.png",
                        "784-W-100-10, batch 256: steps per second against W",
                        "first-layer width W",
                        "steps per second",
                        byWidth,
                        true))
                .append(")\n\n");

        page.append("## The C step\n\n");
        page.append(CStepBenchmark.table(new int[] {100_000, 1_000_000, 10_000_000}, 1_000_000, 3));
        publish(output, page.toString());
    }

    /** Prints the page and replaces {@code output} with it atomically. */
    private static void publish(Path output, String text) {
        System.out.print(text);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(output, out -> out.write(bytes));
    }

    private interface IntToString {
        String apply(int value);
    }

    private interface IntToInt {
        int apply(int value);
    }

    /** Measures every backend at every value, fills {@code series} with {values, steps/s} and returns the table. */
    private static String scalingTable(
            String column, int[] values, Map<String, double[][]> series, IntToString model, IntToInt batch) {
        StringBuilder table = new StringBuilder("| " + column + " |");
        BACKENDS.forEach(backend -> table.append(' ').append(backend).append(" |"));
        table.append("\n|---:|").append("---:|".repeat(BACKENDS.size())).append('\n');
        for (String backend : BACKENDS) {
            double[][] points = new double[2][values.length];
            for (int i = 0; i < values.length; i++) {
                points[0][i] = values[i];
                points[1][i] = TrainingThroughputBenchmark.forkedOnce(
                        model.apply(values[i]), backend, THREADS, batch.apply(values[i]));
            }
            series.put(backend, points);
        }
        for (int i = 0; i < values.length; i++) {
            table.append("| ").append(values[i]).append(" |");
            for (String backend : BACKENDS) {
                table.append(String.format(Locale.ROOT, " %.1f |", series.get(backend)[1][i]));
            }
            table.append('\n');
        }
        return table.toString();
    }

    private static Map<String, double[][]> samplesPerSecond(Map<String, double[][]> stepsPerSecond) {
        Map<String, double[][]> samples = new LinkedHashMap<>();
        stepsPerSecond.forEach((backend, points) -> {
            double[] rate = new double[points[0].length];
            for (int i = 0; i < rate.length; i++) {
                rate[i] = points[0][i] * points[1][i];
            }
            samples.put(backend, new double[][] {points[0], rate});
        });
        return samples;
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse(cpu);
        } catch (IOException | UncheckedIOException e) {
            // not Linux: the processor count and the JVM still describe the machine
        }
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getTotalMemorySize()
                >> 30;
        return String.format(
                Locale.ROOT,
                "Machine: %s, %d processors, %d GiB; %s %s; Java %s (%s); every measured JVM started as `java -cp"
                        + " benchmarks.jar` with no other flag, except those of cpu-java on the Vector API"
                        + " (`cpu-java-vector`), started with `--add-modules jdk.incubator.vector`; %d threads for"
                        + " every trainer.%n",
                cpu,
                Runtime.getRuntime().availableProcessors(),
                memory,
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"),
                THREADS);
    }
}
