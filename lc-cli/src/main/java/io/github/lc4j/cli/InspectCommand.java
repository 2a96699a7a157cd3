package io.github.lc4j.cli;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.onnx.OnnxImporter;
import io.github.lc4j.onnx.OnnxInspector;
import io.github.lc4j.onnx.OnnxModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Shows how an ONNX file stores its parameters, and whether compress can take it. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Print how an ONNX file stores each parameter (float32 or codes, K, codebook, bits) and its"
                + " compression ratio ρ against float32, and whether 'lc4j compress' can take the net (what"
                + " blocks it if not).")
final class InspectCommand implements Callable<Integer> {
    /** Exit code of {@code --check} on a net compress cannot take. */
    static final int NOT_COMPRESSIBLE = 2;

    @Option(names = "--model", paramLabel = "FILE.onnx", description = "The ONNX file.")
    Path model;

    @Parameters(
            arity = "0..1",
            paramLabel = "FILE.onnx",
            description = "The ONNX file, as --model names it (the older spelling; it keeps working for one release).")
    Path positional;

    @Option(
            names = "--check",
            description = "Exit with code " + NOT_COMPRESSIBLE + " when 'lc4j compress' cannot take the net.")
    boolean check;

    @Option(
            names = "--graph",
            description = "Also print the net as lc4j trains it: one row per node with its output shape, inputs, how"
                    + " the file stores its weight (float32, or codes with K and bits) and its op.")
    boolean graph;

    @Mixin
    OnnxImportOptions onnxImport;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path file = file();
        OnnxInspector.Inspection inspection = OnnxInspector.inspect(file);
        inspection.print(out);
        try {
            OnnxModel imported = OnnxImporter.read(file, onnxImport.foldBatchNorm);
            ModelSpec net = imported.model();
            if (graph) {
                OnnxInspector.printGraph(imported, inspection, out);
            }
            long weights = net.parameters().stream()
                    .filter(parameter -> parameter.role() == ParameterSpec.Role.WEIGHT)
                    .count();
            out.printf(
                    "compress: can take this net (%d weight tensors to quantize, %,d parameters)%n",
                    weights, net.parameterCount());
            return 0;
        } catch (InvalidInputException e) {
            out.println("compress: cannot take this net: " + e.getMessage());
            return check ? NOT_COMPRESSIBLE : 0;
        }
    }

    private Path file() {
        if (model != null && positional != null && !model.equals(positional)) {
            throw new IllegalArgumentException("inspect takes one file: --model " + model + " or " + positional);
        }
        if (model == null && positional == null) {
            throw new IllegalArgumentException("inspect needs the ONNX file: --model FILE.onnx");
        }
        if (model == null) {
            spec.commandLine()
                    .getErr()
                    .println("lc4j: note: 'inspect FILE' is now 'inspect --model FILE'; the old spelling works for"
                            + " one more release");
            return positional;
        }
        return model;
    }
}
