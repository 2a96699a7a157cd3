package io.github.lc4j.onnx;

import static io.github.lc4j.onnx.OnnxImporterTest.assertSameNet;
import static io.github.lc4j.onnx.OnnxImporterTest.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The nets PyTorch's own exporter wrote (lc-onnx/src/test/python/make_graph_fixtures.py): a ResNet
 * with identity and projection shortcuts, a MobileNetV2-style net, a squeeze-excitation net and a
 * two-branch Concat net, at opsets 13 and 17, with BatchNormalization kept and folded by PyTorch.
 * Each imports, computes what ONNX Runtime computes, and goes through LC and a compact export.
 */
class OnnxGraphFixturesTest {
    private static final Lc4j CPU =
            Lc4j.builder().backend("cpu-java").threads(2).build();

    /**
     * The embedded Fashion-MNIST sample (the full set's test images, split 8,000 / 2,000); the
     * fixtures were trained on the full training set, so none of these images.
     */
    private static final TrainTestSplit EMBEDDED = DataSets.embeddedFashionMnist();

    @TempDir
    Path folder;

    private static Dataset slice(Dataset data, String name, int from, int to) {
        return data.subset(name, IntStream.range(from, to).toArray());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "resnet_op13.onnx",
                "resnet_op17.onnx",
                "resnet_folded_op13.onnx",
                "mobilenet_op13.onnx",
                "mobilenet_op17.onnx",
                "mobilenet_folded_op13.onnx",
                "senet_op13.onnx",
                "senet_op17.onnx",
                "senet_folded_op13.onnx",
                "twobranch_op13.onnx",
                "twobranch_op17.onnx",
                "twobranch_folded_op13.onnx"
            })
    void importsAndComputesWhatOnnxRuntimeComputes(String name) throws Exception {
        Path file = fixture("graph/" + name);
        Dataset data = slice(EMBEDDED.test(), "first 1000", 0, 1000);
        OnnxModel model = OnnxImporter.read(file);
        assertSameNet(file, model.model(), model.weights(), data);
        boolean keepsNorms = !name.contains("folded");
        assertEquals(
                keepsNorms,
                model.model().nodes().stream().anyMatch(node -> node.op() instanceof Op.BatchNorm),
                name + ": BatchNormalization kept as a node");
        OnnxModel folded = OnnxImporter.read(file, true);
        assertTrue(
                folded.model().nodes().stream().noneMatch(node -> node.op() instanceof Op.BatchNorm),
                name + ": folded on request");
        assertSameNet(file, folded.model(), folded.weights(), data);
        // trained by make_graph_fixtures.py: nets that classify, not noise
        assertTrue(CPU.evaluate(model.model(), model.weights(), data).errorRate() < 0.25, name);
    }

    /**
     * The whole path on every fixture, briefly (three μ values on 1,000 images): LC at four values
     * per layer, then a plain and a compact export that ONNX Runtime runs as lc4j computes them,
     * node for node. integration-tests' OnnxGraphFixturesIT runs the full schedule and checks the
     * accuracy and the file size.
     */
    @ParameterizedTest
    @ValueSource(strings = {"resnet_op13.onnx", "mobilenet_op17.onnx", "senet_op17.onnx", "twobranch_op13.onnx"})
    void compressesAndExportsPlainAndCompact(String name) throws Exception {
        Path file = fixture("graph/" + name);
        OnnxModel source = OnnxImporter.read(file);
        ModelSpec model = source.model();
        TrainTestSplit data = new TrainTestSplit(
                slice(EMBEDDED.train(), "train", 0, 1000), slice(EMBEDDED.test(), "test", 0, 500), "embedded");
        LcResult result = CPU.compress(CompressionRequest.builder()
                .model(model)
                .reference(source.weights())
                .data(data)
                .options(LcOptions.builder()
                        .setTasks(CompressionTask.perLayer(model, Codebook.adaptive(4)))
                        .optMethod(CompressionMethod.AUGMENTED_LAGRANGIAN)
                        .optMuSchedule(MuSchedule.exponential(5e-3, 3, 3))
                        .optOptimizer(OptimizerSpec.builder()
                                .optLearningRate(0.01)
                                .optBatchSize(128)
                                .optEpochsPerStep(1)
                                .optFirstStepEpochs(1)
                                .build())
                        .optEvaluateTrainingSet(false)
                        .build())
                .build());
        Weights quantized = result.quantized();
        Path plain = folder.resolve("plain-" + name);
        Path compact = folder.resolve("compact-" + name);
        OnnxExporter.write(source, quantized, plain, false);
        OnnxExporter.write(source, quantized, compact, true);
        assertSameNet(plain, model, quantized, data.test());
        assertSameNet(compact, model, quantized, data.test());
        assertEquals(quantized, OnnxImporter.read(compact).weights(), name + ": every parameter as trained");
        for (ParameterSpec parameter : model.parameters()) {
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                int distinct = CompactCodes.distinct(quantized.get(parameter.name())).length;
                assertTrue(distinct <= 4, name + " " + parameter.name() + " holds " + distinct + " values");
            }
        }
        assertEquals(
                nodeOps(ModelProto.parseFrom(Files.readAllBytes(file))),
                nodeOps(ModelProto.parseFrom(Files.readAllBytes(compact))).stream()
                        .filter(op -> !UNPACKING.contains(op))
                        .toList(),
                name + ": the graph keeps its nodes");
    }

    /** Operators the compact format adds to rebuild a weight. */
    private static final Set<String> UNPACKING =
            Set.of("BitShift", "Cast", "ReduceSum", "Reshape", "Slice", "Gather", "GatherElements");

    private static List<String> nodeOps(ModelProto model) {
        return model.getGraph().getNodeList().stream()
                .map(node -> node.getOpType())
                .filter(op -> !Set.of(
                                "Reshape",
                                "Gather",
                                "Shape",
                                "Unsqueeze",
                                "Concat",
                                "Constant",
                                "Identity",
                                "Cast",
                                "Slice")
                        .contains(op))
                .toList();
    }
}
