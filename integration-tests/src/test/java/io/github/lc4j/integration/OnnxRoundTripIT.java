package io.github.lc4j.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.onnx.OnnxExporter;
import io.github.lc4j.onnx.OnnxImporter;
import io.github.lc4j.onnx.OnnxModel;
import io.github.lc4j.onnx.OnnxRuntimeEvaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PyTorch-exported LeNet300 and LeNet5 in, LC-compressed on each backend, written back as plain
 * and compact ONNX: ONNX Runtime computes the same test loss and errors as lc4j on both files.
 */
class OnnxRoundTripIT {
    private static final Path FIXTURES =
            Path.of("..", "lc-onnx", "src", "test", "resources", "io", "github", "lc4j", "onnx");

    @TempDir
    Path folder;

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "lenet300.onnx, cpu-java",
        "lenet300.onnx, nd4j",
        "lenet300.onnx, tensorflow",
        "lenet5.onnx, cpu-java",
        "lenet5.onnx, nd4j",
        "lenet5.onnx, tensorflow"
    })
    void compressedOnEveryBackendAndRunInOnnxRuntime(String fixture, String backend) {
        OnnxModel source = OnnxImporter.read(FIXTURES.resolve(fixture));
        TrainTestSplit all = DataSets.embeddedFashionMnist();
        int[] first = java.util.stream.IntStream.range(0, 2000).toArray();
        TrainTestSplit data =
                new TrainTestSplit(all.train().subset("train-2000", first), all.test(), "2,000 embedded samples");
        Lc4j lc4j = Lc4j.builder().backend(backend).threads(2).build();
        LcResult result = lc4j.compress(CompressionRequest.builder()
                .model(source.model())
                .reference(source.weights())
                .data(data)
                .options(LcOptions.builder()
                        .setTasks(CompressionTask.perLayer(source.model(), Codebook.adaptive(4)))
                        .optMuSchedule(MuSchedule.exponential(5e-3, 1.3, 2))
                        .optOptimizer(OptimizerSpec.builder()
                                .optLearningRate(0.01)
                                .optBatchSize(128)
                                .optEpochsPerStep(1)
                                .build())
                        .optEvaluateTrainingSet(false)
                        .build())
                .build());
        for (boolean compact : new boolean[] {false, true}) {
            Path file = folder.resolve((compact ? "compact-" : "plain-") + fixture);
            OnnxExporter.write(source, result.quantized(), file, compact);
            Evaluation byLc4j = lc4j.evaluate(source.model(), result.quantized(), data.test());
            Evaluation byRuntime = OnnxRuntimeEvaluator.evaluate(file, data.test());
            assertEquals(byRuntime.errors(), byLc4j.errors(), backend + " " + file.getFileName() + " errors");
            assertEquals(byRuntime.meanLoss(), byLc4j.meanLoss(), 1e-4, backend + " " + file.getFileName() + " loss");
            assertEquals(result.last().test().errors(), byRuntime.errors(), "the run's own last evaluation");
            long[] distinct = OnnxImporter.read(file).weights().toMap().entrySet().stream()
                    .filter(entry -> entry.getKey().endsWith(".weight"))
                    .mapToLong(entry -> countDistinct(entry.getValue()))
                    .toArray();
            assertTrue(Arrays.stream(distinct).allMatch(count -> count <= 4), Arrays.toString(distinct));
        }
        assertTrue(sizeOf(folder.resolve("compact-" + fixture)) * 14 < sizeOf(FIXTURES.resolve(fixture)));
    }

    private static long countDistinct(float[] values) {
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        long count = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                count++;
            }
        }
        return count;
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
