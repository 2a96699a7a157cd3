package io.github.lc4j.cli;

import io.github.lc4j.api.BitBudget;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CodebookSpecs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Quantizes a reference net with LC. */
@Command(
        name = "compress",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Quantize a reference net with the LC algorithm and save the quantized weights.")
final class CompressCommand implements Callable<Integer> {
    /** Exit code of a run stopped by SIGINT or SIGTERM, as shells report a signal: 128 + 2. */
    static final int INTERRUPTED = 130;

    @Option(
            names = "--model",
            defaultValue = "lenet300",
            paramLabel = "NAME|FILE.onnx",
            completionCandidates = ZooModels.class,
            description = "Model of the reference: a zoo model (${COMPLETION-CANDIDATES}; see 'lc4j models'), or an"
                    + " ONNX classifier (FILE.onnx, whose weights are the reference; see 'lc4j inspect')."
                    + " Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(
            names = {"--weights", "--reference"},
            paramLabel = "FILE.npz",
            description = "Reference weights, as written by 'lc4j train'; required for a zoo model, optional for an"
                    + " ONNX model (which brings its own). --reference is the older spelling.")
    Path reference;

    @Option(
            names = "--codebook",
            paramLabel = "SPEC",
            description = "Codebook of every layer (see --layer for one layer): " + CodebookSpecs.GRAMMAR
                    + ". Default: adaptive, or auto with --bits-per-weight or --rho.")
    String codebook;

    @Option(
            names = {"-k", "--k"},
            description = "Codebook size K for a bare 'adaptive' codebook. Default: 2.")
    Integer size;

    @Option(names = "--shared", description = "One codebook shared by all layers instead of one per layer.")
    boolean shared;

    @Option(
            names = "--granularity",
            defaultValue = "layer",
            paramLabel = "layer|channel",
            description = "layer: one codebook per weight parameter; channel: one per output channel (column of a"
                    + " dense weight, filter of a convolution), K values each. Default: ${DEFAULT-VALUE}.")
    String granularity;

    @Option(
            names = "--method",
            defaultValue = "lc",
            paramLabel = "lc|qp|idc|ste|dc",
            description = "lc: LC, augmented Lagrangian; qp: LC, quadratic penalty (λ = 0); idc: iterated direct"
                    + " compression; ste: straight-through estimator; dc: direct compression only."
                    + " Baselines train as many epochs as LC. Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(
            names = "--output",
            paramLabel = "FILE.npz|FILE.onnx",
            description = "Where to write the quantized net: FILE.onnx writes an ONNX model (the imported graph, or"
                    + " the zoo net's), anything else an .npz of float32 weights.")
    Path output;

    @Option(
            names = "--compact",
            description = "With --output FILE.onnx: store each quantized weight as its codebook and bit-packed codes,"
                    + " unpacked by standard ONNX operators when the model loads (ρ-times smaller file).")
    boolean compact;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Where to write every per-iteration record.")
    Path report;

    @Option(
            names = "--checkpoint",
            paramLabel = "DIR",
            description = "Write a checkpoint to DIR (created if missing) after every iteration, every"
                    + " --checkpoint-minutes inside training, and on Ctrl-C; the two newest are kept.")
    Path checkpoint;

    @Option(
            names = "--checkpoint-minutes",
            defaultValue = "5",
            paramLabel = "MINUTES",
            description = "Minutes between checkpoints inside an L step (or iDC/STE training); 0 writes one after"
                    + " every minibatch. Default: ${DEFAULT-VALUE}.")
    double checkpointMinutes;

    @Option(
            names = "--resume",
            paramLabel = "DIR",
            description = "Continue the run whose checkpoints are in DIR, from the newest intact one, and keep"
                    + " checkpointing there. Give the options the run was started with; a difference is an"
                    + " error that names it.")
    Path resume;

    @Mixin
    LayerOptions layers = new LayerOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    SeedOption seed = new SeedOption();

    @Mixin
    LcScheduleOptions schedule = new LcScheduleOptions();

    // a mixin, not an argument group: picocli keeps this instance and its per-command defaults,
    // where a group is re-created through a no-argument constructor as soon as one option is given
    @Mixin
    SgdOptions sgd = new SgdOptions(0.05, 0.98, 128);

    @Mixin
    OnnxImportOptions onnxImport;

    @Spec
    CommandSpec spec;

    /** Where the L steps train; null: in this JVM. */
    TrainingLocation location;

    @Override
    public Integer call() {
        Renamed.notice(spec, spec.commandLine().getErr());
        Outputs.checkWritable(output, "--output");
        Outputs.checkWritable(report, "--report");
        ModelSource source = ModelSource.resolve(model, onnxImport.foldBatchNorm);
        ModelSpec modelSpec = source.model();
        source.checkOutput(output, compact);
        common.requireDataFor(model);
        String codebookSpec = codebook != null ? codebook : layers.defaultCodebook("adaptive");
        Integer k = codebookSpec.equals("adaptive") && size == null ? Integer.valueOf(2) : size;
        Codebook parsed = CodebookSpecs.parse(codebookSpec, k);
        schedule.applyPreset(spec, sgd);
        List<CompressionTask> taskList = layers.apply(modelSpec, tasks(modelSpec, parsed, shared, granularity), k);
        Weights weights = source.reference(reference, "--weights");
        BitBudget budget = layers.budget();
        if (budget != null && compact) {
            // the budget bounds the file: keep room for its graph and unpacking operators
            budget = budget.reservingBytes(source.compactGraphBytes(
                    weights,
                    taskList.stream()
                            .flatMap(task -> task.parameters().stream())
                            .collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new))));
        }
        LcOptions options = LcJob.options(taskList, budget, CompressionMethod.byKey(method), schedule, sgd, seed.value);
        LcJob job = new LcJob(
                common, spec.commandLine().getOut(), spec.commandLine().getErr(), RunConfig.resolved(spec));
        job.writer((file, net, quantized) -> source.write(file, quantized, compact));
        job.compactOutput(compact);
        job.verbose(Lc4jCommand.verbose(spec));
        TrainingLocation.Data data = location != null ? location.load(common.data()) : common.loadTrainingData();
        ModelSource.checkData(model, modelSpec, data.test(), data.description());
        job.trainOn(data);
        Path folder = checkpointFolder();
        if (folder == null) {
            LcJob.Outcome outcome = job.run(modelSpec, weights, options, null, output, report);
            outcome.table().print(spec.commandLine().getOut());
            return 0;
        }
        job.checkpoints(folder, Duration.ofMillis(Math.round(checkpointMinutes * 60_000)), resume != null);
        return runStoppable(() -> {
            LcJob.Outcome outcome = job.run(modelSpec, weights, options, null, output, report);
            outcome.table().print(spec.commandLine().getOut());
        });
    }

    private Path checkpointFolder() {
        if (!(checkpointMinutes >= 0) || Double.isInfinite(checkpointMinutes)) {
            throw new IllegalArgumentException("--checkpoint-minutes must be >= 0, got " + checkpointMinutes);
        }
        if (resume != null && checkpoint != null && !resume.equals(checkpoint)) {
            throw new IllegalArgumentException("--resume " + resume + " keeps writing checkpoints to " + resume
                    + "; leave out --checkpoint " + checkpoint);
        }
        return resume != null ? resume : checkpoint;
    }

    /**
     * Runs {@code job} so that Ctrl-C (SIGINT, or a plain kill) stops it at the next minibatch
     * with a checkpoint written, says how to resume and exits with 130.
     */
    private int runStoppable(Runnable job) {
        PrintWriter err = spec.commandLine().getErr();
        Thread worker = Thread.currentThread();
        CountDownLatch finished = new CountDownLatch(1);
        AtomicBoolean signalled = new AtomicBoolean();
        Thread hook = new Thread(
                () -> {
                    signalled.set(true);
                    worker.interrupt();
                    try {
                        // the run writes its checkpoint at the next minibatch; the JVM waits for it
                        finished.await(2, TimeUnit.MINUTES);
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                },
                "lc4j-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            job.run();
            return 0;
        } catch (RuntimeException e) {
            if (!signalled.get()) {
                throw e;
            }
            // the JVM ends as soon as the hook returns: say everything before releasing it
            Path folder = checkpointFolder();
            if (!(e instanceof CancellationException)) {
                err.println("lc4j: error while stopping: " + e.getMessage());
            }
            err.println("lc4j: stopped; the run's newest checkpoint is in " + folder + ". Continue it with the"
                    + " same options and --resume " + folder);
            err.flush();
            return INTERRUPTED;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it is waiting for the countDown above
            }
        }
    }

    static List<CompressionTask> tasks(ModelSpec model, Codebook codebook, boolean shared, String granularity) {
        if (shared && granularity.strip().equalsIgnoreCase("channel")) {
            throw new IllegalArgumentException("--shared and --granularity channel exclude each other: a"
                    + " shared codebook is one for all layers, per channel is one per output channel");
        }
        if (!List.of("layer", "channel").contains(granularity.strip().toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("--granularity must be 'layer' or 'channel', got '" + granularity + "'");
        }
        return CodebookSpecs.tasks(model, codebook, shared ? "shared" : granularity);
    }
}
