package io.github.lc4j.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
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
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 25's acceptance on the nets PyTorch's exporter wrote (ResNet, MobileNetV2-style,
 * squeeze-excitation, two-branch Concat): LC at four values per layer on the embedded Fashion-MNIST
 * sample's 8,000 training images, exported compact, run in ONNX Runtime. At most 4 distinct values
 * per weight, a test error within 1.5 points of the float net's on the sample's 2,000 test images,
 * and a file at most 1/5 of the float file.
 */
class OnnxGraphFixturesIT {
    private static final Path FIXTURES =
            Path.of("..", "lc-onnx", "src", "test", "resources", "io", "github", "lc4j", "onnx", "graph");

    @TempDir
    Path folder;

    @ParameterizedTest
    @ValueSource(strings = {"resnet_op13.onnx", "mobilenet_op17.onnx", "senet_op17.onnx", "twobranch_op13.onnx"})
    void lcAtFourValuesPerLayerIsSmallAndKeepsTheAccuracyInOnnxRuntime(String name) throws Exception {
        Path file = FIXTURES.resolve(name);
        OnnxModel source = OnnxImporter.read(file);
        ModelSpec model = source.model();
        TrainTestSplit data = DataSets.embeddedFashionMnist();
        Lc4j lc4j = Lc4j.builder().backend("tensorflow").threads(2).build();
        LcResult result = lc4j.compress(CompressionRequest.builder()
                .model(model)
                .reference(source.weights())
                .data(data)
                .options(LcOptions.builder()
                        .setTasks(CompressionTask.perLayer(model, Codebook.adaptive(4)))
                        .optMethod(CompressionMethod.AUGMENTED_LAGRANGIAN)
                        .optMuSchedule(MuSchedule.exponential(5e-3, 1.5, 20))
                        .optOptimizer(OptimizerSpec.builder()
                                .optLearningRate(0.01)
                                .optLearningRateDecay(0.98)
                                .optBatchSize(128)
                                .optEpochsPerStep(1)
                                .optFirstStepEpochs(1)
                                .build())
                        .optEvaluateTrainingSet(false)
                        .build())
                .build());
        Weights quantized = result.quantized();
        Path compact = folder.resolve(name);
        OnnxExporter.write(source, quantized, compact, true);
        Evaluation floatNet = OnnxRuntimeEvaluator.evaluate(file, data.test());
        Evaluation runtime = OnnxRuntimeEvaluator.evaluate(compact, data.test());
        Evaluation computed = lc4j.evaluate(model, quantized, data.test());
        assertEquals(computed.errors(), runtime.errors(), name + ": ONNX Runtime's mistakes are lc4j's");
        assertEquals(computed.meanLoss(), runtime.meanLoss(), 1e-4 * Math.max(1, computed.meanLoss()), name);
        Weights stored = OnnxImporter.read(compact).weights();
        for (ParameterSpec parameter : model.parameters()) {
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                float[] values = stored.get(parameter.name());
                long distinct = IntStream.range(0, values.length)
                        .mapToObj(i -> values[i])
                        .distinct()
                        .count();
                assertTrue(distinct <= 4, name + " " + parameter.name() + " holds " + distinct + " values");
            }
        }
        long floatBytes = Files.size(file);
        long compactBytes = Files.size(compact);
        double lost = 100 * (runtime.errorRate() - floatNet.errorRate());
        System.out.printf(
                "%s: float %.2f %%, LC adaptive:4 compact %.2f %% in ONNX Runtime (%+.2f points), %,d -> %,d bytes"
                        + " (1/%.1f)%n",
                name,
                100 * floatNet.errorRate(),
                100 * runtime.errorRate(),
                lost,
                floatBytes,
                compactBytes,
                (double) floatBytes / compactBytes);
        assertTrue(lost <= 1.5, name + ": the compact net's test error is " + lost + " points above the float net's");
        assertTrue(compactBytes * 5 <= floatBytes, name + ": " + compactBytes + " bytes against " + floatBytes);
    }
}
