package io.github.lc4j.examples;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.onnx.OnnxNet;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A host's ONNX path through the facade alone: read a classifier exported to ONNX, quantize it
 * with LC, and write it back as a compact ONNX file that ONNX Runtime runs as it is.
 */
public final class CompressOnnxModel {
    private CompressOnnxModel() {}

    /** Quantizes {@code onnx} to {@code size} values per layer on {@code data} and writes {@code output}. */
    public static LcResult run(Path onnx, TrainTestSplit data, Path output, int size) {
        OnnxNet net = OnnxNet.read(onnx);
        try (Lc4j lc4j = Lc4j.builder().threads(2).build()) {
            LcResult result = lc4j.compress(net.compression()
                    .data(data)
                    .codebook(Codebook.adaptive(size))
                    .schedule(MuSchedule.exponential(5e-3, 1.5, 6))
                    .optimizer(OptimizerSpec.builder()
                            .optLearningRate(0.01)
                            .optBatchSize(128)
                            .optEpochsPerStep(1)
                            .build())
                    .build());
            net.writeCompact(output, result.quantized());
            return result;
        }
    }

    /** Entry point: {@code MODEL.onnx OUTPUT.onnx [K] [DATA.npz]}; without data, the embedded Fashion-MNIST sample. */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: CompressOnnxModel MODEL.onnx OUTPUT.onnx [K] [DATA.npz]");
            System.exit(2);
        }
        TrainTestSplit data =
                args.length > 3 ? DataSets.fromNpz(Path.of(args[3])) : DataSets.embeddedFashionMnist();
        LcResult result =
                run(Path.of(args[0]), data, Path.of(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 4);
        System.out.printf(
                Locale.ROOT,
                "test error %.2f %%, ρ %.1f, written to %s%n",
                100 * result.last().test().errorRate(),
                result.compressionRatio(),
                args[1]);
    }
}
