package io.github.lc4j.onnx;

import static io.github.lc4j.onnx.OnnxImporterTest.assertSameNet;
import static io.github.lc4j.onnx.OnnxImporterTest.fixture;
import static io.github.lc4j.onnx.OnnxImporterTest.randomData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxExporterTest {
    private static final Lc4j CPU =
            Lc4j.builder().backend("cpu-java").threads(1).build();
    private static final TrainTestSplit DATA = DataSets.embeddedFashionMnist();

    @TempDir
    Path folder;

    private static Weights directlyCompressed(ModelSpec model, Weights reference, List<CompressionTask> tasks) {
        return directlyCompressed(model, reference, tasks, DATA);
    }

    private static Weights directlyCompressed(
            ModelSpec model, Weights reference, List<CompressionTask> tasks, TrainTestSplit data) {
        LcResult result = CPU.compress(CompressionRequest.builder()
                .model(model)
                .reference(reference)
                .data(data)
                .options(LcOptions.builder()
                        .setTasks(tasks)
                        .optMuSchedule(MuSchedule.exponential(1e-3, 1.1, 1))
                        .optMethod(CompressionMethod.DIRECT_COMPRESSION)
                        .optEvaluateTrainingSet(false)
                        .build())
                .build());
        return result.quantized();
    }

    @Test
    void lenet300AtTwoValuesPerLayerIsUnder40KbAndOnnxRuntimeAgrees() throws Exception {
        OnnxModel source = OnnxImporter.read(fixture("lenet300.onnx"));
        Weights quantized = directlyCompressed(
                source.model(), source.weights(), CompressionTask.perLayer(source.model(), Codebook.adaptive(2)));
        Path plain = folder.resolve("plain.onnx");
        Path compact = folder.resolve("compact.onnx");
        OnnxExporter.write(source, quantized, plain, false);
        OnnxExporter.write(source, quantized, compact, true);

        assertSameNet(plain, source.model(), quantized, DATA.test());
        assertSameNet(compact, source.model(), quantized, DATA.test());
        long size = Files.size(compact);
        assertTrue(size < 40_000, "compact LeNet300 at K = 2 takes " + size + " bytes");
        assertTrue(Files.size(plain) > 1_000_000, "the plain file keeps float32 weights");
        // what was written is what is read back: the same weights in lc4j's layout
        assertEquals(quantized, OnnxImporter.read(plain).weights());
        assertEquals(quantized, OnnxImporter.read(compact).weights(), "lc4j reads its compact files back");

        OnnxInspector.Inspection inspection = OnnxInspector.inspect(compact);
        Map<String, OnnxInspector.Parameter> byName = new HashMap<>();
        inspection.parameters().forEach(parameter -> byName.put(parameter.name(), parameter));
        OnnxInspector.Parameter fc1 = byName.get("fc1.weight");
        assertEquals("codes", fc1.storage());
        assertEquals(2, fc1.size());
        assertEquals(1, fc1.bits());
        assertArrayEquals(new long[] {300, 784}, fc1.dims());
        assertEquals("float32", byName.get("fc1.bias").storage());
        assertTrue(inspection.compressionRatio() > 25, "ρ = " + inspection.compressionRatio());
        assertWithinTheBitsRhoCounts(compact, inspection);
        OnnxInspector.Parameter plainFc1 =
                OnnxInspector.inspect(plain).parameters().get(0);
        assertEquals("float32", plainFc1.storage());
        assertEquals(2, plainFc1.size(), "Δ(Θ) in float32 still holds two distinct values");
    }

    @Test
    void perChannelCodebooksUnpackWithGatherElements() throws Exception {
        OnnxModel source = OnnxImporter.read(fixture("lenet5.onnx"));
        Weights quantized = directlyCompressed(
                source.model(), source.weights(), CompressionTask.perChannel(source.model(), Codebook.adaptive(2)));
        Path compact = folder.resolve("channel.onnx");
        OnnxExporter.write(source, quantized, compact, true);
        assertSameNet(compact, source.model(), quantized, DATA.test());
        assertEquals(quantized, OnnxImporter.read(compact).weights(), "per-channel codes read back");
        Path again = folder.resolve("again.onnx");
        OnnxExporter.write(OnnxImporter.read(compact), quantized, again, true);
        assertEquals(Files.size(compact), Files.size(again), "a compact file compresses again to the same size");
        OnnxInspector.Parameter conv1 = OnnxInspector.inspect(compact).parameters().stream()
                .filter(parameter -> parameter.name().equals("conv1.weight"))
                .findFirst()
                .orElseThrow();
        assertTrue(conv1.perChannel());
        assertWithinTheBitsRhoCounts(compact, OnnxInspector.inspect(compact));
        assertEquals(20 * 2, conv1.codebook().length);
        assertTrue(Files.size(compact) < Files.size(fixture("lenet5.onnx")) / 20);
    }

    /** The file is the codes, codebooks and floats ρ counts, plus at most 5 % + 2 KB of graph. */
    private static void assertWithinTheBitsRhoCounts(Path file, OnnxInspector.Inspection inspection)
            throws java.io.IOException {
        long counted = inspection.parameters().stream()
                .mapToLong(OnnxInspector.Parameter::bytes)
                .sum();
        long size = Files.size(file);
        assertTrue(size <= counted * 1.05 + 2048, file + ": " + size + " bytes for " + counted + " counted by ρ");
    }

    @Test
    void zooNetsExportAsPyTorchWouldWriteThem() throws Exception {
        for (ModelSpec model : List.of(ModelZoo.lenet5(), ModelZoo.lenet300Tanh())) {
            Weights weights = WeightInitializer.initialize(model, 3);
            OnnxModel exported = OnnxExporter.fromModel(model, weights);
            assertEquals(model.layers(), exported.model().layers());
            Path file = folder.resolve(model.name() + ".onnx");
            OnnxExporter.write(exported, weights, file, false);
            assertSameNet(file, model, weights, DATA.test());
            Weights quantized =
                    directlyCompressed(model, weights, CompressionTask.perLayer(model, Codebook.adaptive(4)));
            Path compact = folder.resolve(model.name() + "-compact.onnx");
            OnnxExporter.write(exported, quantized, compact, true);
            assertSameNet(compact, model, quantized, DATA.test());
            assertWithinTheBitsRhoCounts(compact, OnnxInspector.inspect(compact));
        }
    }

    @Test
    void layersWithoutABiasGetOneWhenTrainingGaveThemOne() throws Exception {
        for (String name : List.of("conv_nobias.onnx", "matmul_add.onnx")) {
            OnnxModel source = OnnxImporter.read(fixture(name));
            Map<String, float[]> changed = new HashMap<>();
            Random random = new Random(5);
            for (var parameter : source.model().parameters()) {
                float[] values = source.weights().get(parameter.name());
                for (int i = 0; i < values.length; i++) {
                    values[i] += 0.25f * (float) random.nextGaussian();
                }
                changed.put(parameter.name(), values);
            }
            Weights trained = source.weights().with(changed);
            Path file = folder.resolve("biased-" + name);
            OnnxExporter.write(source, trained, file, false);
            Dataset data = randomData(source.model(), 32, 11);
            assertSameNet(file, source.model(), trained, data);
            assertEquals(trained, OnnxImporter.read(file).weights(), name);
        }
    }

    @Test
    void foldedNormalizationsLeaveTheGraphAndTheQuantizedLayersRunAlone() throws Exception {
        for (String name : List.of("bn_softmax.onnx", "matmul_bn.onnx", "identity_softmax_constants.onnx")) {
            OnnxModel source = OnnxImporter.read(fixture(name));
            Dataset data = randomData(source.model(), 64, 13);
            Weights quantized = directlyCompressed(
                    source.model(),
                    source.weights(),
                    CompressionTask.perLayer(source.model(), Codebook.adaptive(2)),
                    new TrainTestSplit(data, data, "random"));
            for (boolean compact : new boolean[] {false, true}) {
                Path file = folder.resolve((compact ? "compact-" : "plain-") + name);
                OnnxExporter.write(source, quantized, file, compact);
                assertSameNet(file, source.model(), quantized, data);
                ModelProto written = ModelProto.parseFrom(Files.readAllBytes(file));
                assertTrue(
                        written.getGraph().getNodeList().stream()
                                .noneMatch(node -> node.getOpType().equals("BatchNormalization")),
                        name + ": the normalization is folded into the quantized weights");
                assertEquals(quantized, OnnxImporter.read(file).weights(), name);
            }
        }
    }

    @Test
    void compactNeedsOpsetEleven() throws Exception {
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(fixture("matmul_add.onnx")));
        ModelProto old = proto.toBuilder()
                .clearOpsetImport()
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(9))
                .build();
        Path file = folder.resolve("opset9.onnx");
        Files.write(file, old.toByteArray());
        OnnxModel source = OnnxImporter.read(file);
        Path output = folder.resolve("out.onnx");
        InvalidInputException error = assertThrows(
                InvalidInputException.class, () -> OnnxExporter.write(source, source.weights(), output, true));
        assertTrue(error.getMessage().contains("opset 9"), error.getMessage());
        assertTrue(error.getMessage().contains("without --compact"), error.getMessage());
        assertTrue(Files.notExists(output));
    }

    @Test
    void codesRoundTripAtEveryWidth() {
        Random random = new Random(9);
        for (int size : new int[] {1, 2, 3, 4, 5, 16, 17, 256}) {
            float[] book = new float[size];
            for (int k = 0; k < size; k++) {
                book[k] = k * 0.5f - 3;
            }
            int count = 8 * size + 3;
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                values[i] = book[i < size ? i : random.nextInt(size)];
            }
            CompactCodes codes = CompactCodes.encode(values, new long[] {count}, 0);
            assertEquals(CompactCodes.bitsFor(size), codes.bits(), "bits for K = " + size);
            int[] decoded = codes.codes(count);
            for (int i = 0; i < count; i++) {
                assertEquals(values[i], codes.codebook()[decoded[i]], "value " + i + " at K = " + size);
            }
        }
        float[] floats = new float[1000];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = (float) random.nextGaussian();
        }
        assertNull(CompactCodes.encode(floats, new long[] {1000}, 0), "1000 distinct values stay float32");
    }

    @Test
    void perChannelWinsWhenEachChannelHasFewValues() {
        int channels = 30;
        int perChannel = 40;
        float[] values = new float[channels * perChannel];
        for (int row = 0; row < perChannel; row++) {
            for (int channel = 0; channel < channels; channel++) {
                values[row * channels + channel] = (row % 2 == 0 ? -1 : 1) * (channel + 1);
            }
        }
        CompactCodes codes = CompactCodes.encode(values, new long[] {perChannel, channels}, 1);
        assertTrue(codes.perChannel());
        assertEquals(1, codes.bits());
        int[] decoded = codes.codes(values.length);
        for (int i = 0; i < values.length; i++) {
            int channel = i % channels;
            assertEquals(values[i], codes.codebook()[decoded[i] * channels + channel], "value " + i);
        }
    }
}
