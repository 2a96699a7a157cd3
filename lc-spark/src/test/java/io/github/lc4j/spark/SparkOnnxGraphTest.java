package io.github.lc4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.onnx.OnnxExporter;
import io.github.lc4j.onnx.OnnxImporter;
import io.github.lc4j.onnx.OnnxModel;
import io.github.lc4j.onnx.OnnxRuntimeEvaluator;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's PyTorch net through the whole path with the L step on two Spark partitions: the
 * squeeze-excitation fixture (batch normalization, a ReduceMean, two Gemm, a Sigmoid gate) imported
 * from ONNX, compressed, and exported compact; ONNX Runtime runs the file as lc4j computes it.
 */
class SparkOnnxGraphTest {
    private static final Path FIXTURE = Path.of(
            "..", "lc-onnx", "src", "test", "resources", "io", "github", "lc4j", "onnx", "graph", "senet_op17.onnx");

    @Test
    void anImportedGraphNetCompressesOnSparkAndRunsInOnnxRuntime(@TempDir Path folder) throws Exception {
        OnnxModel source = OnnxImporter.read(FIXTURE);
        assertTrue(source.model().nodes().stream().anyMatch(node -> node.op() instanceof Op.BatchNorm));
        Lc4j lc4j = Lc4j.builder().backend("cpu-java").threads(1).build();
        LcResult result;
        try (SparkLc.Data spark = SparkLc.data(
                SparkTestContext.get(), "embedded", SparkOptions.synchronous().withPartitions(2))) {
            result = lc4j.compress(CompressionRequest.builder()
                    .model(source.model())
                    .reference(source.weights())
                    .codebook(Codebook.adaptive(4))
                    .schedule(MuSchedule.exponential(5e-3, 2, 3))
                    .optimizer(OptimizerSpec.builder()
                            .optLearningRate(0.01)
                            .optBatchSize(128)
                            .optEpochsPerStep(1)
                            .build())
                    .evaluateTrainingSet(false)
                    .seed(1)
                    .data(spark.training(), spark.test(), spark.description())
                    .build());
        }
        Weights quantized = result.quantized();
        Path compact = folder.resolve("senet-q.onnx");
        OnnxExporter.write(source, quantized, compact, true);
        Weights stored = OnnxImporter.read(compact).weights();
        for (ParameterSpec parameter : source.model().parameters()) {
            float[] values = stored.get(parameter.name());
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                long distinct = distinctValues(values);
                assertTrue(distinct <= 4, parameter.name() + " holds " + distinct + " values");
            }
            assertTrue(Arrays.equals(quantized.get(parameter.name()), values), parameter.name() + " as exported");
        }
        var test = DataSets.embeddedFashionMnist().test();
        Evaluation runtime = OnnxRuntimeEvaluator.evaluate(compact, test);
        Evaluation computed = lc4j.evaluate(source.model(), quantized, test);
        assertEquals(computed.errors(), runtime.errors(), "ONNX Runtime's mistakes are lc4j's");
        assertEquals(computed.meanLoss(), runtime.meanLoss(), 1e-4 * Math.max(1, computed.meanLoss()));
        assertEquals(100 * result.last().test().errorRate(), 100 * computed.errorRate(), 1e-9);
        System.out.printf(
                "senet on Spark (2 partitions), adaptive:4: test error %.2f %% (reference %.2f %%)%n",
                100 * computed.errorRate(),
                100 * lc4j.evaluate(source.model(), source.weights(), test).errorRate());
    }

    private static long distinctValues(float[] values) {
        return IntStream.range(0, values.length)
                .mapToObj(i -> values[i])
                .distinct()
                .count();
    }
}
