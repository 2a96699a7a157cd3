package io.github.lc4j.onnx;

import static io.github.lc4j.onnx.OnnxImporterTest.fixture;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.lc4j.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded mutations of small ONNX fixtures (flipped, overwritten, inserted and cut bytes): the only
 * acceptable outcomes of reading one are a model or lc4j's own {@link InvalidInputException}.
 */
class OnnxFuzzTest {
    private static final int MUTATIONS = Integer.getInteger("lc4j.fuzz.onnx", 400);

    @TempDir
    Path folder;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "matmul_add.onnx",
                "bn_softmax.onnx",
                "identity_softmax_constants.onnx",
                "transpose_constants.onnx",
                "conv_stride_pad.onnx",
                "graph/resnet_op13.onnx",
                "graph/senet_op17.onnx",
                "graph/twobranch_op17.onnx"
            })
    void mutatedFilesAreReadOrRefusedCleanly(String name) throws IOException {
        fuzz(name, Files.readAllBytes(fixture(name)));
    }

    @org.junit.jupiter.api.Test
    void mutatedCompactFilesAreReadOrRefusedCleanly() throws IOException {
        OnnxModel model = OnnxImporter.read(fixture("conv_stride_pad.onnx"));
        java.util.Map<String, float[]> signs = new java.util.HashMap<>();
        for (var parameter : model.model().parameters()) {
            float[] values = model.weights().get(parameter.name());
            for (int i = 0; i < values.length; i++) {
                values[i] = values[i] < 0 ? -0.25f : i % 3 == 0 ? 0 : 0.5f;
            }
            signs.put(parameter.name(), values);
        }
        Path compact = folder.resolve("compact.onnx");
        OnnxExporter.write(model, model.weights().with(signs), compact, true);
        fuzz("compact conv_stride_pad.onnx", Files.readAllBytes(compact));
    }

    private void fuzz(String name, byte[] original) throws IOException {
        Random random = new Random(name.hashCode());
        Path file = folder.resolve("mutant.onnx");
        for (int trial = 0; trial < MUTATIONS; trial++) {
            byte[] bytes = mutate(original, random);
            Files.write(file, bytes);
            try {
                OnnxModel model = OnnxImporter.read(file);
                OnnxExporter.write(model, model.weights(), folder.resolve("out.onnx"), trial % 2 == 0);
            } catch (InvalidInputException expected) {
                // a clear refusal is fine
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                Path kept = folder.resolve("failure-" + trial + ".onnx");
                Files.write(kept, bytes);
                fail(name + " mutation " + trial + " escaped as " + e + " (input kept in " + kept + ")", e);
            }
        }
    }

    private static byte[] mutate(byte[] original, Random random) {
        byte[] bytes = original.clone();
        int edits = 1 + random.nextInt(4);
        for (int edit = 0; edit < edits; edit++) {
            int position = random.nextInt(bytes.length);
            switch (random.nextInt(4)) {
                case 0 -> bytes[position] ^= (byte) (1 << random.nextInt(8));
                case 1 -> bytes[position] = (byte) random.nextInt(256);
                case 2 -> {
                    byte[] longer = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, longer, 0, position);
                    longer[position] = (byte) random.nextInt(256);
                    System.arraycopy(bytes, position, longer, position + 1, bytes.length - position);
                    bytes = longer;
                }
                default -> bytes = Arrays.copyOf(bytes, Math.max(1, position));
            }
        }
        return bytes;
    }
}
