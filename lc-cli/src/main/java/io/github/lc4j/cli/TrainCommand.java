package io.github.lc4j.cli;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.TrainingRequest;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains a reference net and saves it as an .npz file. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Train a reference net (no compression) and save its weights as .npz.")
final class TrainCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            defaultValue = "lenet300",
            completionCandidates = ZooModels.class,
            description = "A zoo model: ${COMPLETION-CANDIDATES} (see 'lc4j models')." + " Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--epochs", defaultValue = "20", description = "Training epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--output", required = true, paramLabel = "FILE.npz", description = "Where to write the weights.")
    Path output;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    SeedOption seed = new SeedOption();

    // a mixin, not an argument group: picocli keeps this instance and its per-command defaults,
    // where a group is re-created through a no-argument constructor as soon as one option is given
    @Mixin
    SgdOptions sgd = new SgdOptions(0.1, 0.95, 128);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Outputs.checkWritable(output, "--output");
        ModelSpec modelSpec = ModelZoo.byName(model);
        OptimizerSpec optimizer = sgd.builder().build();
        TrainTestSplit data = common.loadData();
        Lc4j lc4j = common.lc4j();
        String backend = lc4j.backendName();
        var err = spec.commandLine().getErr();
        err.printf(
                "training %s on %s, backend %s, %s%n",
                modelSpec.name(), data.description(), backend, optimizer.describeSgd());
        long start = System.nanoTime();
        Weights weights = lc4j.train(TrainingRequest.builder()
                .model(modelSpec)
                .data(data)
                .optimizer(optimizer)
                .epochs(epochs)
                .seed(seed.value)
                .listener(new ConsoleProgress(err, System.console() != null))
                .build());
        Evaluation train = lc4j.evaluate(modelSpec, weights, data.train());
        Evaluation test = lc4j.evaluate(modelSpec, weights, data.test());
        Lc4j.writeWeights(output, modelSpec, weights);
        ResultTable table = new ResultTable();
        table.add("reference " + modelSpec.name(), "32", 1, train, test, (System.nanoTime() - start) / 1e9);
        table.print(spec.commandLine().getOut());
        spec.commandLine().getOut().println("weights written to " + output);
        return 0;
    }
}
