package io.github.lc4j.cli;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One LC run from a reference, as the compress and demo commands do it: run, report, save, tabulate. */
final class LcJob {
    /** What the run produced, and its table. */
    record Outcome(LcResult result, ResultTable table, Evaluation referenceTest) {}

    private final CommonOptions common;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Map<String, Object> resolvedOptions;
    /** Writes the quantized weights to the output file. */
    @FunctionalInterface
    interface WeightsWriter {
        void write(Path output, ModelSpec model, Weights weights);
    }

    private WeightsWriter writer = Lc4j::writeWeights;
    private TrainingLocation.Data elsewhere;
    private Path checkpointFolder;
    private Duration checkpointInterval;
    private boolean resume;

    /** {@code resolvedOptions}: every option of the command with its final value, for the report. */
    LcJob(CommonOptions common, PrintWriter out, PrintWriter err, Map<String, Object> resolvedOptions) {
        this.common = common;
        this.out = out;
        this.err = err;
        this.resolvedOptions = resolvedOptions;
    }

    /** Makes the run write its output with {@code writer} instead of as {@code .npz}. */
    void writer(WeightsWriter writer) {
        this.writer = writer;
    }

    /** Makes the run train on {@code data}'s training set, held elsewhere, instead of loading {@code --data} here. */
    void trainOn(TrainingLocation.Data data) {
        this.elsewhere = data;
    }

    /** Makes the run write checkpoints to {@code folder} and, if {@code resume}, continue from them. */
    void checkpoints(Path folder, Duration interval, boolean resume) {
        this.checkpointFolder = folder;
        this.checkpointInterval = interval;
        this.resume = resume;
    }

    static LcOptions options(
            List<CompressionTask> tasks,
            CompressionMethod method,
            LcScheduleOptions schedule,
            SgdOptions sgd,
            long seed) {
        OptimizerSpec.Builder optimizer = sgd.builder().optEpochsPerStep(schedule.epochsPerStep);
        if (schedule.firstStepEpochs != null) {
            optimizer.optFirstStepEpochs(schedule.firstStepEpochs);
        }
        return LcOptions.builder()
                .setTasks(tasks)
                .optMuSchedule(schedule.schedule())
                .optOptimizer(optimizer.build())
                .optMethod(method)
                .optSeed(seed)
                .optConvergenceTolerance(schedule.tolerance)
                .build();
    }

    /**
     * Runs LC; {@code referenceSeconds} is the training time when the reference was trained in
     * this run, else null.
     */
    Outcome run(
            ModelSpec model, Weights reference, LcOptions options, Double referenceSeconds, Path output, Path report) {
        TrainingLocation.Data data = elsewhere != null ? elsewhere : TrainingLocation.Data.local(common.loadData());
        return run(common.lc4j(), data, model, reference, options, referenceSeconds, output, report);
    }

    Outcome run(
            Lc4j lc4j,
            TrainingLocation.Data data,
            ModelSpec model,
            Weights reference,
            LcOptions options,
            Double referenceSeconds,
            Path output,
            Path report) {
        String backend = lc4j.backendName();
        Evaluation referenceTrain = lc4j.evaluate(model, reference, data.training());
        Evaluation referenceTest = lc4j.evaluate(model, reference, data.test());
        Codebook codebook = options.tasks().get(0).codebook();
        err.printf(
                "%s on %s with %s: %s codebook, %d task(s), μ = %.3g·%.3g^j for %s iterations, %s, backend %s%n",
                options.method().key(),
                model.name(),
                data.description(),
                codebook.describe(),
                options.tasks().size(),
                options.muSchedule().mu0(),
                options.muSchedule().factor(),
                options.stopsWhenConverged()
                        ? "at most " + options.muSchedule().iterations() + " (until converged, tolerance "
                                + options.convergenceTolerance() + ")"
                        : Integer.toString(options.muSchedule().iterations()),
                options.optimizer(),
                backend);
        long start = System.nanoTime();
        CompressionRequest.Builder request = CompressionRequest.builder()
                .model(model)
                .reference(reference)
                .data(data.training(), data.test(), data.description())
                .options(options)
                .listener(new ConsoleProgress(err, System.console() != null));
        if (checkpointFolder != null) {
            request.checkpointInterval(checkpointInterval);
            if (resume) {
                request.resumeFrom(checkpointFolder);
            } else {
                request.checkpoints(checkpointFolder);
            }
        }
        LcResult result = lc4j.compress(request.build());
        double seconds = (System.nanoTime() - start) / 1e9;
        if (output != null) {
            writer.write(output, model, result.quantized());
            out.println("quantized weights written to " + output + " (" + sizeOf(output) + " bytes)");
        }
        if (report != null) {
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("options", resolvedOptions);
            settings.put("model", model.name());
            settings.put("data", data.description());
            settings.put("backend", backend);
            settings.put("codebook", codebook.describe());
            settings.put(
                    "tasks",
                    options.tasks().stream()
                            .map(task -> task.name() + "=" + task.parameters())
                            .toList());
            settings.put("method", options.method().key());
            settings.put("muSchedule", options.muSchedule().values());
            settings.put("convergenceTolerance", options.convergenceTolerance());
            settings.put("optimizer", options.optimizer().toString());
            settings.put("seed", options.seed());
            settings.put("referenceTrain", Lc4j.reportOf(referenceTrain));
            settings.put("referenceTest", Lc4j.reportOf(referenceTest));
            Lc4j.writeReport(report, settings, result);
            out.println("report written to " + report);
        }
        IterationRecord direct = result.history().get(0);
        IterationRecord last = result.last();
        String bits = Integer.toString(codebook.bitsPerWeight());
        ResultTable table = new ResultTable();
        table.add("reference", "32", 1, referenceTrain, referenceTest, referenceSeconds == null ? 0 : referenceSeconds);
        table.add(
                "DC  " + codebook.describe(),
                bits,
                result.compressionRatio(),
                direct.train(),
                direct.test(),
                direct.cStepMillis() / 1000.0);
        if (options.method() != CompressionMethod.DIRECT_COMPRESSION) {
            String label = options.method().label();
            table.add(
                    label + " ".repeat(Math.max(1, 4 - label.length())) + codebook.describe(),
                    bits,
                    result.compressionRatio(),
                    last.train(),
                    last.test(),
                    seconds);
            table.note(stopLine(result, options));
        }
        return new Outcome(result, table, referenceTest);
    }

    /** One line: why the run stopped, with the final ‖w − Δ(Θ)‖ against the convergence threshold. */
    static String stopLine(LcResult result, LcOptions options) {
        IterationRecord last = result.last();
        double threshold = options.convergenceTolerance() * last.weightNorm();
        String distance = String.format(Locale.ROOT, "‖w − Δ(Θ)‖ = %.3g", last.constraintViolation());
        String changes = last.assignmentChanges() == 0
                ? "no weight changed its codebook entry"
                : String.format(Locale.ROOT, "%,d weights changed their codebook entry", last.assignmentChanges());
        return switch (result.stop()) {
            case CONVERGED ->
                String.format(
                        Locale.ROOT,
                        "converged at iteration %d: %s ≤ %.3g (tolerance %s × ‖w‖), %s",
                        last.iteration(),
                        distance,
                        threshold,
                        options.convergenceTolerance(),
                        changes);
            case ITERATION_CAP ->
                String.format(
                        Locale.ROOT,
                        "not converged: stopped at the cap of %d iterations with %s (converged: ≤ %.3g) and %s;"
                                + " raise --mu-steps or --mu-factor",
                        last.iteration(),
                        distance,
                        threshold,
                        changes);
            case SCHEDULE_END ->
                String.format(Locale.ROOT, "ran all %d iterations; final %s, %s", last.iteration(), distance, changes);
        };
    }

    private static String sizeOf(Path file) {
        try {
            return String.format(java.util.Locale.ROOT, "%,d", java.nio.file.Files.size(file));
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
