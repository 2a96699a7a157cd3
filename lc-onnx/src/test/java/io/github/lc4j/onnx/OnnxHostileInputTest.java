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
        assertTrue(message.contains("(Sigmoid, '/Sigmoid')"), message);
        assertTrue(message.contains("Softplus"), message);
        assertTrue(message.startsWith("ONNX file " + file + ": 2 operator(s)"), message);
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
    void aSecondBatchNormalizationInARowIsRefusedNotFoldedHalfway() throws IOException {
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
        String message = rejection(file);
        assertTrue(message.contains("folds one BatchNormalization"), message);
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
}
