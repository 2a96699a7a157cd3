package io.github.lc4j.cli;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.onnx.OnnxRuntimeEvaluator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Test loss and error of a net, in lc4j and in ONNX Runtime. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Print the test loss and error of a net: an ONNX file (plain or compact) in lc4j and in ONNX"
                + " Runtime, or a zoo net with its .npz weights in lc4j.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "NAME|FILE.onnx",
            completionCandidates = ZooModels.class,
            description = "An ONNX file, or a zoo model (${COMPLETION-CANDIDATES}) with --weights.")
    String model;

    @Option(
            names = "--weights",
            paramLabel = "FILE.npz",
            description = "Weights for a zoo model; for an ONNX model, weights to use instead of its own.")
    Path weights;

    @Option(
            names = "--runtime",
            defaultValue = "both",
            paramLabel = "lc4j|onnxruntime|both",
            description = "Who runs the net: lc4j's backend, ONNX Runtime (ONNX files only), or both."
                    + " Default: ${DEFAULT-VALUE}.")
    String runtime;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String choice = runtime.strip().toLowerCase(Locale.ROOT);
        if (!choice.equals("lc4j") && !choice.equals("onnxruntime") && !choice.equals("both")) {
            throw new InvalidInputException("--runtime must be lc4j, onnxruntime or both, got '" + runtime + "'");
        }
        boolean onnx = ModelSource.isOnnx(model);
        if (choice.equals("onnxruntime") && (!onnx || weights != null)) {
            throw new InvalidInputException("--runtime onnxruntime runs an ONNX file as it is: give --model FILE.onnx"
                    + " and no --weights (write them into one with 'lc4j export')");
        }
        ModelSource source = ModelSource.resolve(model);
        common.requireDataFor(model);
        Weights values = source.reference(weights, "--weights");
        // an .npz or a sharded folder needs only its test arrays here; idx data standardizes with its training set
        CommonOptions.TestData data = common.loadTestData();
        Dataset test = data.test();
        String description = data.description();
        ModelSource.checkData(model, source.model(), test, description);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s on %s%n", model, description);
        out.printf(Locale.ROOT, "%-28s %10s %11s%n", "runtime", "test loss", "test error");
        if (!choice.equals("onnxruntime")) {
            Lc4j lc4j = common.lc4j();
            print(out, "lc4j (" + lc4j.backendName() + ")", lc4j.evaluate(source.model(), values, test));
        }
        if (onnx && weights == null && !choice.equals("lc4j")) {
            print(
                    out,
                    "ONNX Runtime " + OnnxRuntimeEvaluator.version(),
                    OnnxRuntimeEvaluator.evaluate(Path.of(model), test));
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, String runtime, Evaluation evaluation) {
        out.printf(
                Locale.ROOT, "%-28s %10.4f %10.2f%%%n", runtime, evaluation.meanLoss(), 100 * evaluation.errorRate());
    }
}
