package io.github.lc4j.cli;

import io.github.lc4j.api.BitBudget;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.RunTimes;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CodebookSpecs;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
    private boolean verbose;
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

    /** Makes the output line compare a compact file's size with the bytes ρ counts. */
    void compactOutput(boolean compact) {
        this.compactOutput = compact;
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
    private boolean compactOutput;

    void checkpoints(Path folder, Duration interval, boolean resume) {
        this.checkpointFolder = folder;
        this.checkpointInterval = interval;
        this.resume = resume;
    }

    static LcOptions options(
            List<CompressionTask> tasks,
            BitBudget budget,
            CompressionMethod method,
            LcScheduleOptions schedule,
            SgdOptions sgd,
            long seed) {
        OptimizerSpec.Builder optimizer = sgd.builder().optEpochsPerStep(schedule.epochsPerStep);
        if (schedule.firstStepEpochs != null) {
            optimizer.optFirstStepEpochs(schedule.firstStepEpochs);
        }
        LcOptions.Builder builder = LcOptions.builder();
        if (budget != null) {
            boolean chooses = tasks.stream().anyMatch(task -> task.codebook() instanceof Codebook.Choice);
            if (!chooses) {
                throw new IllegalArgumentException("--bits-per-weight and --rho budget the layers that choose their"
                        + " codebook, and no layer does: use --codebook auto or --layer NAME=auto, or leave the"
                        + " budget out");
            }
            builder.optBitBudget(budget);
        }
        return builder.setTasks(tasks)
                .optMuSchedule(schedule.schedule())
                .optOptimizer(optimizer.build())
                .optMethod(method)
                .optSeed(seed)
                .optConvergenceTolerance(schedule.tolerance)
                .optTrainingEvaluation(schedule.trainingEvaluation())
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
        err.printf(
                "%s on %s with %s: %s, %d task(s), μ = %.3g·%.3g^j for %s iterations, %s, backend %s%n",
                options.method().key(),
                model.name(),
                data.description(),
                describeCodebooks(options),
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
            out.println("quantized weights written to " + output + " (" + sizeOf(output) + " bytes"
                    + (compactOutput
                            ? String.format(
                                    Locale.ROOT,
                                    "; ρ counts %,d of them: codes, codebooks and float32 parameters; the rest is"
                                            + " the ONNX graph",
                                    Math.round(32.0 * model.parameterCount() / result.compressionRatio() / 8))
                            : "")
                    + ")");
        }
        if (report != null) {
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("options", resolvedOptions);
            settings.put("model", model.name());
            settings.put("data", data.description());
            settings.put("backend", backend);
            settings.put("codebook", describeCodebooks(options));
            if (options.bitBudget() != null) {
                settings.put("bitBudget", options.bitBudget().describe());
            }
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
        String label = describeCodebooksShort(options);
        ResultTable table = new ResultTable();
        table.add("reference", "32", 1, referenceTrain, referenceTest, referenceSeconds == null ? 0 : referenceSeconds);
        table.add(
                "DC  " + label,
                bitsLabel(model, chosenTasks(options, direct)),
                direct.compressionRatio(),
                direct.train(),
                direct.test(),
                direct.cStepMillis() / 1000.0);
        if (options.method() != CompressionMethod.DIRECT_COMPRESSION) {
            String method = options.method().label();
            table.add(
                    method + " ".repeat(Math.max(1, 4 - method.length())) + label,
                    bitsLabel(model, chosenTasks(options, last)),
                    result.compressionRatio(),
                    last.train(),
                    last.test(),
                    seconds);
            table.note(stopLine(result, options));
            String worsening = worseningLine(result.history(), method);
            if (worsening != null) {
                table.note(worsening);
            }
        }
        if (!last.choices().isEmpty()) {
            table.note("chosen within " + options.bitBudget().describe() + ": " + describeChoices(last.choices()));
        }
        if (verbose) {
            table.note(describeTimes(result.times()));
        }
        return new Outcome(result, table, referenceTest);
    }

    /** Where a run's time went, in one line. */
    static String describeTimes(RunTimes times) {
        return String.format(
                Locale.ROOT,
                "time %.1f s: L-step compute %.1f s, waiting for minibatches %.1f s, C steps %.1f s, evaluation %.1f s,"
                        + " checkpoints %.1f s, other %.1f s",
                times.totalMillis() / 1000.0,
                times.computeMillis() / 1000.0,
                times.dataMillis() / 1000.0,
                times.cStepMillis() / 1000.0,
                times.evaluationMillis() / 1000.0,
                times.checkpointMillis() / 1000.0,
                times.otherMillis() / 1000.0);
    }

    /** Whether the result table ends with where the run's time went. */
    LcJob verbose(boolean value) {
        this.verbose = value;
        return this;
    }

    /**
     * The tasks' codebooks in words: one codebook for all, or each codebook with the tasks that
     * use it; and the budget of those that choose.
     */
    static String describeCodebooks(LcOptions options) {
        Map<String, List<String>> byCodebook = new LinkedHashMap<>();
        for (CompressionTask task : options.tasks()) {
            byCodebook
                    .computeIfAbsent(task.codebook().describe(), key -> new ArrayList<>())
                    .add(task.name());
        }
        String text = byCodebook.size() == 1
                ? "codebook " + byCodebook.keySet().iterator().next()
                : "codebooks "
                        + byCodebook.entrySet().stream()
                                .map(entry -> entry.getKey() + " (" + abbreviate(entry.getValue()) + ")")
                                .collect(java.util.stream.Collectors.joining(", "));
        return options.bitBudget() == null
                ? text
                : text + " within " + options.bitBudget().describe();
    }

    /** The table's label: the one codebook, "auto" when tasks choose, else "mixed". */
    private static String describeCodebooksShort(LcOptions options) {
        List<String> distinct = options.tasks().stream()
                .map(task -> task.codebook().describe())
                .distinct()
                .toList();
        if (options.choosesCodebooks()) {
            return distinct.size() == 1 ? distinct.get(0) : "auto+fixed";
        }
        return distinct.size() == 1 ? distinct.get(0) : "per-layer";
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 4
                ? String.join(", ", names)
                : String.join(", ", names.subList(0, 3)) + " … " + names.size() + " tasks";
    }

    /** The tasks with the codebooks {@code record}'s C step chose. */
    static List<CompressionTask> chosenTasks(LcOptions options, IterationRecord record) {
        return options.tasks().stream()
                .map(task -> record.choices().containsKey(task.name())
                        ? task.withCodebook(CodebookSpecs.parse(record.choices().get(task.name()), null))
                        : task)
                .toList();
    }

    /** Code bits per compressed weight, averaged over the tasks (codebooks not included): "1" or "1.37". */
    static String bitsLabel(ModelSpec model, List<CompressionTask> tasks) {
        long weights = 0;
        long bits = 0;
        for (CompressionTask task : tasks) {
            weights += task.size(model);
            bits += (long) task.size(model) * task.codebook().bitsPerWeight();
        }
        return bits % weights == 0
                ? Long.toString(bits / weights)
                : String.format(Locale.ROOT, "%.2f", (double) bits / weights);
    }

    /** Each choosing task's codebook, or for many tasks how many chose each. */
    static String describeChoices(Map<String, String> choices) {
        if (choices.size() <= 12) {
            return choices.entrySet().stream()
                    .map(entry -> entry.getKey() + " " + entry.getValue())
                    .collect(java.util.stream.Collectors.joining(", "));
        }
        Map<String, Long> counts = new java.util.TreeMap<>();
        choices.values().forEach(codebook -> counts.merge(codebook, 1L, Long::sum));
        return counts.entrySet().stream()
                .map(entry -> entry.getKey() + " ×" + entry.getValue())
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** How far above its best iteration's training loss a quantized net may end before the run says so. */
    static final double WORSENING_FACTOR = 1.5;

    /**
     * One line when the quantized net ended with a training loss more than {@link #WORSENING_FACTOR}
     * times that of its best iteration (DC's excluded), else null: what a learning rate too high
     * for the method does (STE at lr 0.05 on LeNet300 with K = 2 climbs from 0.33 to 1.1), which the
     * result table, showing only the last iteration, would hide. Null when the training set was not
     * evaluated.
     */
    static String worseningLine(List<IterationRecord> history, String method) {
        IterationRecord best = null;
        for (IterationRecord record : history) {
            if (record.iteration() > 0
                    && hasTrainEvaluation(record)
                    && (best == null || record.train().meanLoss() < best.train().meanLoss())) {
                best = record;
            }
        }
        IterationRecord last = history.get(history.size() - 1);
        if (best == null || !hasTrainEvaluation(last) || best == last) {
            return null;
        }
        double ratio = last.train().meanLoss() / best.train().meanLoss();
        if (!(ratio > WORSENING_FACTOR)) {
            return null;
        }
        String bestTest = best.test() == null || best.test().count() == 0
                ? ""
                : String.format(
                        Locale.ROOT, ", %.2f %% test error", 100 * best.test().errorRate());
        return String.format(
                Locale.ROOT,
                "the quantized net got worse: training loss %.3f at the end, %.1f× its best (%.3f%s, at iteration"
                        + " %d); the learning rate may be too high for %s: try a lower --lr",
                last.train().meanLoss(),
                ratio,
                best.train().meanLoss(),
                bestTest,
                best.iteration(),
                method);
    }

    private static boolean hasTrainEvaluation(IterationRecord record) {
        return record.train() != null && record.train().count() > 0;
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
