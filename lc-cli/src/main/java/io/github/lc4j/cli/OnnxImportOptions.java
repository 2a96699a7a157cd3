package io.github.lc4j.cli;

import picocli.CommandLine.Option;

/** How a command reads an ONNX model: the options shared by compress, export and inspect. */
final class OnnxImportOptions {
    @Option(
            names = "--fold-batchnorm",
            description = "For an ONNX model: fold each BatchNormalization that directly follows a Conv, Gemm or"
                    + " MatMul into that layer's weight and bias (inference form), instead of training it as a"
                    + " node of its own.")
    boolean foldBatchNorm;
}
