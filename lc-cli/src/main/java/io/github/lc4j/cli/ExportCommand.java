package io.github.lc4j.cli;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Weights;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Writes a net with given weights as ONNX. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Write a net with the given weights (e.g. quantized by 'lc4j compress') as an ONNX model,"
                + " plain or compact.")
final class ExportCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "NAME|FILE.onnx",
            completionCandidates = ZooModels.class,
            description = "A zoo model (${COMPLETION-CANDIDATES}), or the ONNX file the weights belong to.")
    String model;

    @Option(
            names = "--weights",
            required = true,
            paramLabel = "FILE.npz",
            description = "The weights, as written by 'lc4j train' or 'lc4j compress --output FILE.npz'.")
    Path weights;

    @Option(names = "--output", required = true, paramLabel = "FILE.onnx", description = "The ONNX file to write.")
    Path output;

    @Option(
            names = "--compact",
            description = "Store each weight with few distinct values as its codebook and bit-packed codes.")
    boolean compact;

    @Mixin
    OnnxImportOptions onnxImport;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!ModelSource.isOnnx(output.toString())) {
            throw new InvalidInputException("--output must name an .onnx file, got " + output);
        }
        Outputs.checkWritable(output, "--output");
        ModelSource source = ModelSource.resolve(model, onnxImport.foldBatchNorm);
        source.checkOutput(output, compact);
        Weights values = source.reference(weights, "--weights");
        source.write(output, values, compact);
        spec.commandLine().getOut().printf("%s written to %s%n", compact ? "compact ONNX" : "ONNX", output);
        return 0;
    }
}
