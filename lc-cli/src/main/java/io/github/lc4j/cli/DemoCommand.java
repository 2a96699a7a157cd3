package io.github.lc4j.cli;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CodebookSpecs;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.TrainingRequest;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The README's main job: train LeNet300, then quantize every layer to 1 bit with DC and LC. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Train LeNet300 (tanh) on the embedded Fashion-MNIST sample, then quantize every layer with"
                    + " an adaptive codebook of K values (default 2: 1 bit per weight) by direct compression (DC) and"
                    + " by LC, and print reference, DC and LC errors, ρ and times."
        })
final class DemoCommand implements Callable<Integer> {
    @Option(
            names = {"-k", "--k"},
            defaultValue = "2",
            description = "Codebook size K. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(
            names = "--reference-epochs",
            defaultValue = "15",
            description = "Epochs to train the reference. Default: ${DEFAULT-VALUE}.")
    int referenceEpochs;

    @Option(names = "--output", paramLabel = "FILE.npz", description = "Where to write the quantized weights.")
    Path output;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Where to write every per-iteration record.")
    Path report;

    @Mixin
    LayerOptions layers = new LayerOptions();

    @Mixin
    CommonOptions common = new CommonOptions("embedded");

    @Mixin
    SeedOption seed = new SeedOption();

    @Mixin
    LcScheduleOptions schedule = new LcScheduleOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Outputs.checkWritable(output, "--output");
        Outputs.checkWritable(report, "--report");
        var err = spec.commandLine().getErr();
        ModelSpec model = ModelZoo.lenet300Tanh();
        Codebook codebook = CodebookSpecs.parse(layers.defaultCodebook("adaptive"), size);
        TrainTestSplit data = common.loadData();
        Lc4j lc4j = common.lc4j();
        String backend = lc4j.backendName();
        OptimizerSpec referenceOptimizer = OptimizerSpec.builder()
                .optLearningRate(0.1)
                .optLearningRateDecay(0.9)
                .optBatchSize(128)
                .build();
        err.printf("lc4j demo: %s on %s, backend %s%n", model.name(), data.description(), backend);
        err.printf("training the reference: %d epochs, %s%n", referenceEpochs, referenceOptimizer.describeSgd());
        long start = System.nanoTime();
        Weights reference = lc4j.train(TrainingRequest.builder()
                .model(model)
                .data(data)
                .optimizer(referenceOptimizer)
                .epochs(referenceEpochs)
                .seed(seed.value)
                .listener(new ConsoleProgress(err, System.console() != null))
                .build());
        double referenceSeconds = (System.nanoTime() - start) / 1e9;
        SgdOptions sgd = new SgdOptions(0.05, 0.98, 128);
        schedule.applyPreset(spec, sgd);
        LcOptions options = LcJob.options(
                layers.apply(model, CompressionTask.perLayer(model, codebook), size),
                layers.budget(),
                CompressionMethod.AUGMENTED_LAGRANGIAN,
                schedule,
                sgd,
                seed.value);
        LcJob job = new LcJob(common, spec.commandLine().getOut(), err, RunConfig.resolved(spec))
                .verbose(Lc4jCommand.verbose(spec));
        LcJob.Outcome outcome = job.run(
                lc4j, TrainingLocation.Data.local(data), model, reference, options, referenceSeconds, output, report);
        var out = spec.commandLine().getOut();
        String codebooks = layers.layers.isEmpty() && layers.budget() == null
                ? String.format(
                        Locale.ROOT, "every layer quantized to K=%d (%d bit/weight)", size, codebook.bitsPerWeight())
                : LcJob.describeCodebooks(options);
        out.printf(
                "%nLeNet300 on %s, %s, backend %s, %d threads%n",
                data.description(),
                codebooks,
                backend,
                common.threads == null ? Runtime.getRuntime().availableProcessors() : common.threads);
        outcome.table().print(out);
        return 0;
    }
}
