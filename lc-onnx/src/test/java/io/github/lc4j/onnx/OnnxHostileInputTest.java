package io.github.lc4j.onnx;

import static io.github.lc4j.onnx.OnnxImporterTest.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.github.lc4j.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxHostileInputTest {
    @TempDir
    Path folder;

    private String rejection(Path file) {
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> OnnxImporter.read(file));
        assertTrue(error.getMessage().contains(file.toString()), "names the file: " + error.getMessage());
        return error.getMessage();
    }

    private Path variant(String name, UnaryOperator<TensorProto> change, String initializer) throws IOException {
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(fixture("lenet300.onnx")));
        ModelProto.Builder builder = proto.toBuilder();
        var graph = builder.getGraphBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            if (graph.getInitializer(i).getName().equals(initializer)) {
                graph.setInitializer(i, change.apply(graph.getInitializer(i)));
            }
        }
        Path file = folder.resolve(name);
        Files.write(file, builder.build().toByteArray());
        return file;
    }

    @Test
    void truncatedFilesAreDamaged() throws IOException {
        byte[] whole = Files.readAllBytes(fixture("lenet5.onnx"));
        for (int length : new int[] {0, 7, 1000, whole.length / 2, whole.length - 1}) {
            Path file = folder.resolve("cut-" + length + ".onnx");
            Files.write(file, Arrays.copyOf(whole, length));
            String message = rejection(file);
            assertTrue(
                    message.contains("damaged")
                            || message.contains("holds no graph")
                            || message.contains("claims dimensions"),
                    message);
        }
    }

    @Test
    void garbageIsNotAModel() throws IOException {
        Random random = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            byte[] bytes = new byte[1 + random.nextInt(20_000)];
            random.nextBytes(bytes);
            Path file = folder.resolve("garbage-" + trial + ".onnx");
            Files.write(file, bytes);
            rejection(file);
        }
        Path text = folder.resolve("readme.onnx");
        Files.writeString(text, "this is not a model\n".repeat(50));
        rejection(text);
    }

    @Test
    void dimensionsThatLieAboutTheDataAreNamed() throws IOException {
        Path file = variant(
                "lying.onnx", tensor -> tensor.toBuilder().setDims(1, 785).build(), "fc1.weight");
        String message = rejection(file);
        assertTrue(message.contains("'fc1.weight'") && message.contains("[300, 785]"), message);
    }

    @Test
    void anAbsurdTensorSizeIsRefusedBeforeAnythingIsAllocated() throws IOException {
        Path file = variant(
                "huge.onnx",
                tensor -> tensor.toBuilder()
                        .setDims(0, 1L << 40)
                        .setDims(1, 1L << 40)
                        .build(),
                "fc1.weight");
        String message = rejection(file);
        assertTrue(message.contains("more than"), message);
    }

    @Test
    void everyUnsupportedOperatorIsListed() {
        Path file = fixture("unsupported.onnx");
        String message = rejection(file);
        assertTrue(message.contains("(Softplus, '/Softplus')"), message);
        assertTrue(!message.contains("(Sigmoid"), "Sigmoid is imported: " + message);
        assertTrue(message.startsWith("ONNX file " + file + ": 1 operator(s)"), message);
    }

    @Test
    void externalDataIsReadOnlyFromBesideTheModel() throws IOException {
        byte[] raw =
                ModelProto.parseFrom(Files.readAllBytes(fixture("lenet300.onnx")))
                        .getGraph()
                        .getInitializerList()
                        .stream()
                        .filter(tensor -> tensor.getName().equals("fc3.weight"))
                        .findFirst()
                        .orElseThrow()
                        .getRawData()
                        .toByteArray();
        Files.write(folder.resolve("fc3.bin"), raw);
        Path inside = variant("inside.onnx", tensor -> external(tensor, "fc3.bin"), "fc3.weight");
        assertEquals(
                OnnxImporter.read(fixture("lenet300.onnx")).weights(),
                OnnxImporter.read(inside).weights(),
                "weights read from a file beside the model");

        Path outsideFolder = Files.createDirectories(folder.resolve("elsewhere"));
        Files.write(outsideFolder.resolve("fc3.bin"), raw);
        Path model = Files.createDirectories(folder.resolve("model"));
        for (String location : new String[] {
            "../elsewhere/fc3.bin", outsideFolder.resolve("fc3.bin").toString()
        }) {
            Path file = variant("model/escape.onnx", tensor -> external(tensor, location), "fc3.weight");
            String message = rejection(file);
            assertTrue(message.contains("outside the model's folder"), message);
        }
        Files.createSymbolicLink(model.resolve("link.bin"), outsideFolder.resolve("fc3.bin"));
        Path linked = variant("model/linked.onnx", tensor -> external(tensor, "link.bin"), "fc3.weight");
        assertTrue(rejection(linked).contains("outside the model's folder"));
        Path missing = variant("model/missing.onnx", tensor -> external(tensor, "nowhere.bin"), "fc3.weight");
        assertTrue(rejection(missing).contains("missing"));
    }

    private static TensorProto external(TensorProto tensor, String location) {
        return tensor.toBuilder()
                .clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(
                        StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .build();
    }

    @Test
    void aSecondBatchNormalizationInARowStaysANodeWhenTheFirstIsFolded() throws Exception {
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(fixture("bn_softmax.onnx")));
        ModelProto.Builder builder = proto.toBuilder();
        var graph = builder.getGraphBuilder();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            var node = graph.getNode(i);
            if (node.getOpType().equals("BatchNormalization")
                    && node.getOutput(0).equals("/bn1/BatchNormalization_output_0")) {
                String between = "/bn1/between";
                graph.setNode(i, node.toBuilder().setOutput(0, between));
                var again = node.toBuilder().setName("bn1_again").setInput(0, between);
                for (int input = 1; input < node.getInputCount(); input++) {
                    String statistic = node.getInput(input);
                    TensorProto copy = graph.getInitializerList().stream()
                            .filter(tensor -> tensor.getName().equals(statistic))
                            .findFirst()
                            .orElseThrow();
                    graph.addInitializer(copy.toBuilder().setName(statistic + ".again"));
                    again.setInput(input, statistic + ".again");
                }
                graph.addNode(i + 1, again);
                break;
            }
        }
        Path file = folder.resolve("two-norms.onnx");
        Files.write(file, builder.build().toByteArray());
        OnnxModel folded = OnnxImporter.read(file, true);
        long kept = folded.model().nodes().stream()
                .filter(node -> node.op() instanceof io.github.lc4j.api.Op.BatchNorm)
                .count();
        assertEquals(1, kept, "the first folds into its layer, the second is a node of its own");
        OnnxImporterTest.assertSameNet(
                file, folded.model(), folded.weights(), OnnxImporterTest.randomData(folded.model(), 32, 3));
    }

    @Test
    void aTransposeOfActivationsOrWithABadPermIsOneErrorNamingTheNode() throws Exception {
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(fixture("transpose_constants.onnx")));
        ModelProto.Builder badPerm = proto.toBuilder();
        var graph = badPerm.getGraphBuilder();
        int conv = nodeIndex(graph, "conv_w");
        graph.setNode(
                conv,
                graph.getNode(conv).toBuilder().clearAttribute().addAttribute(OnnxProtos.ints("perm", 3, 2, 0, 0)));
        String message = rejection(written("bad-perm.onnx", badPerm));
        assertTrue(message.contains("conv_w_transpose") && message.contains("[3, 2, 0, 0]"), message);

        ModelProto.Builder onActivations = proto.toBuilder();
        graph = onActivations.getGraphBuilder();
        int relu = nodeIndex(graph, "relu1");
        graph.setNode(
                relu, graph.getNode(relu).toBuilder().setOpType("Transpose").setName("activation_transpose"));
        message = rejection(written("activation-transpose.onnx", onActivations));
        assertTrue(message.contains("activation_transpose") && message.contains("only on constants"), message);
    }

    @Test
    void aMissingFileSaysSo() {
        Path file = folder.resolve("absent.onnx");
        assertTrue(rejection(file).contains("does not exist"));
    }

    @Test
    void nonFloatWeightsAreNamed() throws IOException {
        Path file = variant(
                "ints.onnx",
                tensor -> tensor.toBuilder()
                        .setDataType(TensorProto.DataType.INT8_VALUE)
                        .setRawData(ByteString.copyFrom(new byte[300 * 784]))
                        .build(),
                "fc1.weight");
        assertTrue(rejection(file).contains("int8"));
    }

    /** Two convolutions of the input joined by an Add, written by lc4j's own graph writer. */
    private static ModelProto.Builder twoBranches() {
        io.github.lc4j.api.ModelSpec model = branches();
        return OnnxGraphWriter.build(model, io.github.lc4j.core.WeightInitializer.initialize(model, 5)).toBuilder();
    }

    private static io.github.lc4j.api.ModelSpec branches() {
        io.github.lc4j.api.ModelSpec.Builder b = io.github.lc4j.api.ModelSpec.builder("branches", new int[] {2, 5, 5});
        io.github.lc4j.api.Window same = io.github.lc4j.api.Window.square(3, 1, 1);
        String left =
                b.add("left", new io.github.lc4j.api.Op.Conv2d(4, same, 1, true), io.github.lc4j.api.ModelSpec.INPUT);
        String right =
                b.add("right", new io.github.lc4j.api.Op.Conv2d(4, same, 1, true), io.github.lc4j.api.ModelSpec.INPUT);
        String sum = b.add("sum", new io.github.lc4j.api.Op.Add(), left, right);
        String flat = b.add(
                "flat", new io.github.lc4j.api.Op.Flatten(), b.add("relu", new io.github.lc4j.api.Op.Relu(), sum));
        b.add("scores", new io.github.lc4j.api.Op.Dense(3, true), flat);
        return b.build();
    }

    private Path written(String name, ModelProto.Builder model) throws IOException {
        Path file = folder.resolve(name);
        Files.write(file, model.build().toByteArray());
        return file;
    }

    private static int nodeIndex(ai.onnx.proto.OnnxMl.GraphProto.Builder graph, String output) {
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getOutput(0).equals(output)) {
                return i;
            }
        }
        throw new AssertionError("no node outputs " + output);
    }

    @Test
    void theGraphWriterSelfTestReadsBack() throws IOException {
        OnnxModel model = OnnxImporter.read(written("branches.onnx", twoBranches()));
        assertEquals(branches().nodes(), model.model().nodes(), "the same nodes, names and inputs");
    }

    @Test
    void aCycleIsNamed() throws IOException {
        ModelProto.Builder model = twoBranches();
        var graph = model.getGraphBuilder();
        int left = nodeIndex(graph, "left");
        graph.setNode(left, graph.getNode(left).toBuilder().setInput(0, "relu"));
        String message = rejection(written("cycle.onnx", model));
        assertTrue(message.contains("cycle") && message.contains("Conv 'left'"), message);
    }

    @Test
    void aNodeReadingAMissingTensorIsNamed() throws IOException {
        ModelProto.Builder model = twoBranches();
        var graph = model.getGraphBuilder();
        int sum = nodeIndex(graph, "sum");
        graph.setNode(sum, graph.getNode(sum).toBuilder().setInput(1, "nowhere"));
        String message = rejection(written("missing.onnx", model));
        assertTrue(message.contains("Add 'sum'") && message.contains("'nowhere'"), message);
    }

    @Test
    void anAddOfIncompatibleShapesIsNamed() throws IOException {
        ModelProto.Builder model = twoBranches();
        var graph = model.getGraphBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto tensor = graph.getInitializer(i);
            if (tensor.getName().equals("right.weight")) {
                graph.setInitializer(
                        i, OnnxTensors.floatTensor(tensor.getName(), new long[] {3, 2, 3, 3}, new float[3 * 2 * 9]));
            } else if (tensor.getName().equals("right.bias")) {
                graph.setInitializer(i, OnnxTensors.floatTensor(tensor.getName(), new long[] {3}, new float[3]));
            }
        }
        String message = rejection(written("shapes.onnx", model));
        assertTrue(
                message.contains("Add 'sum'") && message.contains("[4, 5, 5]") && message.contains("[3, 5, 5]"),
                message);
    }

    @Test
    void aConvolutionWhoseGroupDoesNotDivideItsChannelsIsNamed() throws IOException {
        ModelProto.Builder model = twoBranches();
        var graph = model.getGraphBuilder();
        int left = nodeIndex(graph, "left");
        var conv = graph.getNode(left).toBuilder();
        for (int i = 0; i < conv.getAttributeCount(); i++) {
            if (conv.getAttribute(i).getName().equals("group")) {
                conv.setAttribute(i, OnnxProtos.integer("group", 3));
            }
        }
        graph.setNode(left, conv);
        String message = rejection(written("group.onnx", model));
        assertTrue(message.contains("Conv 'left'") && message.contains("group 3"), message);
    }

    @Test
    void aGraphWithTwoOutputsIsRefused() throws IOException {
        ModelProto.Builder model = twoBranches();
        model.getGraphBuilder().addOutput(OnnxProtos.valueInfo("sum", new int[] {4, 5, 5}));
        String message = rejection(written("outputs.onnx", model));
        assertTrue(message.contains("2 outputs") && message.contains("sum"), message);
    }
}
