package io.github.lc4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OnnxImporterTest {
    private static final Lc4j CPU =
            Lc4j.builder().backend("cpu-java").threads(1).build();

    static Path fixture(String name) {
        try {
            return Path.of(OnnxImporterTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** lc4j and ONNX Runtime agree on the net: same loss to float rounding, same mistakes. */
    static void assertSameNet(Path file, ModelSpec model, io.github.lc4j.api.Weights weights, Dataset data)
            throws Exception {
        Evaluation lc4j = CPU.evaluate(model, weights, data);
        Evaluation runtime = OnnxRuntimeEvaluator.evaluate(file, data);
        assertEquals(runtime.meanLoss(), lc4j.meanLoss(), 1e-5 * Math.max(1, runtime.meanLoss()), file + " loss");
        assertEquals(runtime.errors(), lc4j.errors(), file + " errors");
    }

    @Test
    void readsPyTorchLenet300AsTheZooNet() throws Exception {
        OnnxModel model = OnnxImporter.read(fixture("lenet300.onnx"));
        assertEquals(
                List.of(
                        Layer.flatten(),
                        Layer.dense("fc1", 300),
                        Layer.tanh(),
                        Layer.dense("fc2", 100),
                        Layer.tanh(),
                        Layer.dense("fc3", 10)),
                model.model().layers());
        assertEquals(
                List.of(784, 300), boxed(model.model().parameter("fc1.weight").shape()));
        Dataset test = DataSets.embeddedFashionMnist().test();
        assertSameNet(fixture("lenet300.onnx"), model.model(), model.weights(), test);
        // trained by make_fixtures.py: a net that classifies, not noise
        assertTrue(CPU.evaluate(model.model(), model.weights(), test).errorRate() < 0.2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet5.onnx", "lenet5_dynamo.onnx"})
    void readsPyTorchLenet5WithItsReshapeChain(String name) throws Exception {
        OnnxModel model = OnnxImporter.read(fixture(name));
        assertEquals(
                List.of(
                        Layer.conv2d("conv1", 20, 5, 1, 0),
                        Layer.maxPool(2, 2),
                        Layer.conv2d("conv2", 50, 5, 1, 0),
                        Layer.maxPool(2, 2),
                        Layer.flatten(),
                        Layer.dense("fc1", 500),
                        Layer.relu(),
                        Layer.dense("fc2", 10)),
                model.model().layers());
        assertSameNet(
                fixture(name),
                model.model(),
                model.weights(),
                DataSets.embeddedFashionMnist().test());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "matmul_add.onnx",
                "conv_stride_pad.onnx",
                "reshape_const.onnx",
                "conv_nobias.onnx",
                "bn_softmax.onnx",
                "identity_softmax_constants.onnx",
                "matmul_bn.onnx",
                "transpose_constants.onnx"
            })
    void readsEveryLayoutTheExporterWrites(String name) throws Exception {
        OnnxModel model = OnnxImporter.read(fixture(name));
        assertSameNet(fixture(name), model.model(), model.weights(), randomData(model.model(), 64, 7));
    }

    @Test
    void foldsBatchNormalizationOnRequestAndDropsNoOpsAndTheFinalSoftmax() {
        OnnxModel model = OnnxImporter.read(fixture("bn_softmax.onnx"), true);
        assertEquals(
                List.of(
                        Layer.conv2d("conv", 4, 3, 1, 0),
                        Layer.relu(),
                        Layer.maxPool(2, 2),
                        Layer.flatten(),
                        Layer.dense("fc1", 8),
                        Layer.tanh(),
                        Layer.dense("fc2", 3)),
                model.model().layers());
        OnnxModel constants = OnnxImporter.read(fixture("identity_softmax_constants.onnx"));
        assertEquals(2, constants.model().parameters().size() / 2, "two dense layers, weights from Constant nodes");
    }

    @Test
    void readsStridesAndPaddingIntoTheLayer() {
        OnnxModel model = OnnxImporter.read(fixture("conv_stride_pad.onnx"));
        assertEquals(Layer.conv2d("conv", 4, 3, 2, 1), model.model().layers().get(0));
        assertEquals(Layer.maxPool(2, 1), model.model().layers().get(2));
    }

    @Test
    void aTransposedWeightListedAmongTheGraphInputsLeavesThemWithItsSource(@TempDir Path folder) throws Exception {
        ModelProto proto = ModelProto.parseFrom(java.nio.file.Files.readAllBytes(fixture("transpose_constants.onnx")));
        ModelProto.Builder builder = proto.toBuilder();
        // the IR version 3 convention: every initializer is a graph input too
        for (var initializer : proto.getGraph().getInitializerList()) {
            var shape = ai.onnx.proto.OnnxMl.TensorShapeProto.newBuilder();
            initializer
                    .getDimsList()
                    .forEach(dimension -> shape.addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder()
                            .setDimValue(dimension)));
            builder.getGraphBuilder()
                    .addInput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder()
                            .setName(initializer.getName())
                            .setType(ai.onnx.proto.OnnxMl.TypeProto.newBuilder()
                                    .setTensorType(ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder()
                                            .setElemType(initializer.getDataType())
                                            .setShape(shape))));
        }
        Path file = folder.resolve("initializers-as-inputs.onnx");
        java.nio.file.Files.write(file, builder.build().toByteArray());
        OnnxModel model = OnnxImporter.read(file);
        assertEquals(OnnxImporter.read(fixture("transpose_constants.onnx")).weights(), model.weights());
        assertSameNet(file, model.model(), model.weights(), randomData(model.model(), 16, 5));
    }

    static Dataset randomData(ModelSpec model, int count, long seed) {
        Random random = new Random(seed);
        float[] inputs = new float[count * model.inputSize()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = (float) random.nextGaussian();
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = random.nextInt(model.classCount());
        }
        return new Dataset("random", model.inputShape(), inputs, labels);
    }

    private static List<Integer> boxed(int[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }
}
