package io.github.lc4j.cli;

import io.github.lc4j.onnx.OnnxInspector;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Shows how an ONNX file stores its parameters. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Print how an ONNX file stores each parameter (float32 or codes, K, codebook, bits) and its"
                + " compression ratio ρ against float32.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE.onnx", description = "The ONNX file.")
    Path file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        OnnxInspector.inspect(file).print(spec.commandLine().getOut());
        return 0;
    }
}
