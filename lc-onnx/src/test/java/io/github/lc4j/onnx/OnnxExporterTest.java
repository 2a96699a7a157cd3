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
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.zoo.ModelZoo;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OnnxExporterTest {
    private static final Lc4j CPU =
            Lc4j.builder().backend("cpu-java").threads(1).build();
    private static final TrainTestSplit DATA = DataSets.embeddedFashionMnist();

    @TempDir
    Path folder;

    private static Weights directlyCompressed(ModelSpec model, Weights reference, List<CompressionTask> tasks) {
        return directlyCompressed(model, reference, tasks, DATA);
    }

    /** {@code source} directly compressed to two values per layer, on {@code data}. */
    private static Weights twoValuesPerLayer(OnnxModel source, Dataset data) {
        return directlyCompressed(
                source.model(),
                source.weights(),
                CompressionTask.perLayer(source.model(), Codebook.adaptive(2)),
                new TrainTestSplit(data, data, "random"));
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
        assertWithinTheBitsRhoCountsPlusAFixedUnpacking(compact, plain);
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
        Path plain = folder.resolve("plain.onnx");
        OnnxExporter.write(source, quantized, plain, false);
        assertWithinTheBitsRhoCountsPlusAFixedUnpacking(compact, plain);
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
            OnnxModel exported = OnnxGraphWriter.fromModel(model, weights);
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
            assertWithinTheBitsRhoCountsPlusAFixedUnpacking(compact, file);
        }
    }

    /** A graph with every op of the graph model, written and read back node for node; ONNX Runtime agrees. */
    @Test
    void everyOpIsWrittenAndReadBackNodeForNode() throws Exception {
        ModelSpec.Builder b = ModelSpec.builder("every-op", new int[] {2, 8, 8});
        io.github.lc4j.api.Window same = io.github.lc4j.api.Window.square(3, 1, 1);
        String conv = b.add("conv", new Op.Conv2d(4, same, 1, true), ModelSpec.INPUT);
        String relu = b.add("relu", new Op.Relu(), b.add("bn", Op.BatchNorm.defaults(), conv));
        io.github.lc4j.api.Window padded = new io.github.lc4j.api.Window(3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
        String included = b.add("included", new Op.AveragePool(padded, true), relu);
        String excluded = b.add("excluded", new Op.AveragePool(padded, false), relu);
        String concat = b.add("concat", new Op.Concat(), included, excluded);
        String grouped = b.add(
                "grouped",
                new Op.Conv2d(8, new io.github.lc4j.api.Window(3, 1, 1, 1, 1, 0, 1, 0, 1, 1), 2, false),
                concat);
        String maxed = b.add("maxed", new Op.MaxPool(same), relu);
        String sum = b.add("sum", new Op.Add(), grouped, b.add("pair", new Op.Concat(), maxed, relu));
        String swish = b.add("swish", new Op.HardSwish(), sum);
        String squeezed = b.add("squeezed", new Op.Flatten(), b.add("mean", new Op.GlobalAveragePool(), swish));
        String gate = b.add("gate", new Op.Sigmoid(), b.add("excite", new Op.Dense(8, true), squeezed));
        String gated = b.add("gated", new Op.Mul(), swish, b.add("unflat", new Op.Reshape(new int[] {8, 1, 1}), gate));
        String clipped = b.add("tanh", new Op.Tanh(), b.add("clip", new Op.Clip(-1f, 2f), gated));
        String pooled = b.add("pool", new Op.MaxPool(io.github.lc4j.api.Window.square(2, 2, 0)), clipped);
        b.add("scores", new Op.Dense(3, true), b.add("flat", new Op.Flatten(), pooled));
        ModelSpec model = b.build();
        assertEquals(
                java.util.Set.of(Op.class.getPermittedSubclasses()),
                model.nodes().stream().map(node -> node.op().getClass()).collect(java.util.stream.Collectors.toSet()),
                "the graph uses every op");
        Weights weights = WeightInitializer.initialize(model, 4);
        OnnxModel exported = OnnxGraphWriter.fromModel(model, weights);
        assertEquals(model.nodes(), exported.model().nodes());
        assertEquals(14, OnnxProtos.defaultOpset(exported.proto()), "HardSwish needs opset 14");
        Path file = folder.resolve("every-op.onnx");
        OnnxExporter.write(exported, weights, file, false);
        assertSameNet(file, model, weights, randomData(model, 32, 8));
    }

    @Test
    void zooGraphNetsExportNodeForNodeAndOnnxRuntimeAgrees() throws Exception {
        for (ModelSpec model : List.of(ModelZoo.resnet20(), ModelZoo.mobilenetV2Small())) {
            Weights initial = WeightInitializer.initialize(model, 3);
            Dataset data = randomData(model, 48, 21);
            TrainTestSplit split = new TrainTestSplit(data, data, "random");
            // running statistics that are not the initial 0 and 1, so that inference mode is checked
            Map<String, float[]> statistics = new HashMap<>();
            Random random = new Random(9);
            for (ParameterSpec parameter : model.runningStatistics()) {
                float[] values = initial.get(parameter.name());
                boolean variance = parameter.role() == ParameterSpec.Role.RUNNING_VARIANCE;
                for (int i = 0; i < values.length; i++) {
                    values[i] = variance ? 0.5f + random.nextFloat() : 0.2f * (float) random.nextGaussian();
                }
                statistics.put(parameter.name(), values);
            }
            Weights weights = initial.with(statistics);
            OnnxModel exported = OnnxGraphWriter.fromModel(model, weights);
            assertEquals(model.nodes(), exported.model().nodes(), model.name() + ": node for node");
            Path file = folder.resolve(model.name() + ".onnx");
            OnnxExporter.write(exported, weights, file, false);
            assertSameNet(file, model, weights, data);
            assertEquals(weights, OnnxImporter.read(file).weights(), model.name() + ": running statistics travel");
            Weights quantized =
                    directlyCompressed(model, weights, CompressionTask.perLayer(model, Codebook.adaptive(4)), split);
            Path compact = folder.resolve(model.name() + "-compact.onnx");
            OnnxExporter.write(exported, quantized, compact, true);
            assertSameNet(compact, model, quantized, data);
            for (ParameterSpec weight : model.parameters()) {
                if (weight.role() == ParameterSpec.Role.WEIGHT) {
                    assertTrue(
                            CompactCodes.distinct(OnnxImporter.read(compact)
                                                    .weights()
                                                    .get(weight.name()))
                                            .length
                                    <= 4,
                            weight.name());
                }
            }
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
            OnnxModel source = OnnxImporter.read(fixture(name), true);
            Dataset data = randomData(source.model(), 64, 13);
            Weights quantized = twoValuesPerLayer(source, data);
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
    void weightsReadThroughATransposeAreWrittenOnceInTheLayersLayout() throws Exception {
        OnnxModel source = OnnxImporter.read(fixture("transpose_constants.onnx"));
        Dataset data = randomData(source.model(), 64, 17);
        Weights quantized = twoValuesPerLayer(source, data);
        for (boolean compact : new boolean[] {false, true}) {
            Path file = folder.resolve((compact ? "compact-" : "plain-") + "transpose_constants.onnx");
            OnnxExporter.write(source, quantized, file, compact);
            assertSameNet(file, source.model(), quantized, data);
            ModelProto written = ModelProto.parseFrom(Files.readAllBytes(file));
            assertTrue(
                    written.getGraph().getNodeList().stream()
                            .noneMatch(node -> node.getOpType().equals("Transpose")
                                    || node.getOpType().equals("Constant")
                                            && node.getName().equals("fc2_w_constant")),
                    "the transposes are folded into the weights: "
                            + written.getGraph().getNodeList());
            assertTrue(
                    written.getGraph().getInitializerList().stream()
                            .map(TensorProto::getName)
                            .noneMatch(name -> name.equals("conv_hwio") || name.equals("fc1_w")),
                    "no weight is stored twice");
            assertEquals(quantized, OnnxImporter.read(file).weights());
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

    /**
     * A small chain whose every weight holds at least 432 values: room for K = 256 distinct values
     * per layer with the codes still smaller than float32, and a Conv and two Gemms, so that both
     * weight layouts are unpacked.
     */
    private static final ModelSpec WIDTHS = ModelSpec.of(
            "widths",
            new int[] {2, 8, 8},
            List.of(
                    Layer.conv2d("conv1", 24, 3, 1, 1),
                    Layer.relu(),
                    Layer.maxPool(2, 2),
                    Layer.flatten(),
                    Layer.dense("fc1", 64),
                    Layer.tanh(),
                    Layer.dense("fc2", 10)));

    private static final List<String> WIDTHS_LAYERS = List.of("conv1", "fc1", "fc2");

    /**
     * One value (no codes at all), 2^b for b = 1..8, the smallest K of each width past 1 bit, and a
     * few K that are no power of two.
     */
    @ParameterizedTest(name = "K = {0} per layer")
    @ValueSource(ints = {1, 2, 3, 4, 5, 8, 9, 16, 17, 32, 33, 64, 65, 128, 129, 200, 256})
    void everyCodeWidthFromOneToEightBitsRunsInOnnxRuntimeAsLc4jComputesIt(int k) throws Exception {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        WIDTHS_LAYERS.forEach(layer -> sizes.put(layer, k));
        assertOnnxRuntimeRunsTheCodes(sizes, false);
    }

    @Test
    void layersOfDifferentCodeWidthsRunTogetherInOnnxRuntime() throws Exception {
        assertOnnxRuntimeRunsTheCodes(Map.of("conv1", 256, "fc1", 2, "fc2", 16), false);
        assertOnnxRuntimeRunsTheCodes(Map.of("conv1", 3, "fc1", 200, "fc2", 5), false);
    }

    /** fc1's 64 channels hold 384 weights each: room for up to 256 values per channel. */
    @ParameterizedTest(name = "K = {0} per channel")
    @ValueSource(ints = {1, 2, 3, 4, 8, 16, 32, 64, 128, 200, 256})
    void perChannelCodebooksRunInOnnxRuntimeAtEveryCodeWidth(int k) throws Exception {
        assertOnnxRuntimeRunsTheCodes(Map.of("fc1", k), true);
    }

    @Test
    void theUnpackingNodesOfAWeightDoNotGrowWithItsCodeWidth() throws Exception {
        Map<Integer, Long> nodes = new LinkedHashMap<>();
        for (int k : new int[] {2, 4, 16, 256}) {
            Map<String, Integer> sizes = new LinkedHashMap<>();
            WIDTHS_LAYERS.forEach(layer -> sizes.put(layer, k));
            ModelProto model = ModelProto.parseFrom(Files.readAllBytes(compactWidths(sizes, 11)));
            nodes.put(
                    k,
                    model.getGraph().getNodeList().stream()
                            .filter(Unpacking::isUnpacking)
                            .count());
            int bits = widthOf(k);
            for (var entry : model.getMetadataPropsList()) {
                String planes = Unpacking.parse(entry.getValue()).get("planes");
                TensorProto stored = model.getGraph().getInitializerList().stream()
                        .filter(tensor -> tensor.getName().equals(planes))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no one initializer holds the planes " + planes));
                long count = Arrays.stream(
                                Unpacking.parse(entry.getValue()).get("shape").split("x"))
                        .mapToLong(Long::parseLong)
                        .reduce(1, (a, b) -> a * b);
                assertEquals(List.of((long) bits, (count + 7) / 8, 1L), stored.getDimsList(), entry.getKey());
            }
        }
        // 1 bit needs no weighting of planes; from 2 to 8 bits the same chain unpacks all of them, at
        // most 5 nodes, a Reshape and Slice when the planes end in padding, and the lookup with its Reshapes
        assertEquals(nodes.get(4), nodes.get(16), "unpacking nodes by K: " + nodes);
        assertEquals(nodes.get(4), nodes.get(256), "unpacking nodes by K: " + nodes);
        assertTrue(nodes.get(2) <= nodes.get(256), "unpacking nodes by K: " + nodes);
        assertTrue(nodes.get(256) <= 8 * WIDTHS_LAYERS.size(), "unpacking nodes by K: " + nodes);
    }

    /** ReduceSum takes its axes as an attribute before opset 13 and as an input from 13 on. */
    @ParameterizedTest(name = "opset {0}")
    @ValueSource(ints = {11, 12, 13, 18})
    void compactFilesUnpackInOnnxRuntimeAtEachOpset(int opset) throws Exception {
        Map<String, Integer> sizes = Map.of("conv1", 256, "fc1", 2, "fc2", 5);
        Weights quantized = quantizedWidths(sizes);
        Path compact = compactWidths(sizes, opset);
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(compact));
        List<NodeProto> sums = model.getGraph().getNodeList().stream()
                .filter(node -> node.getOpType().equals("ReduceSum"))
                .toList();
        assertEquals(2, sums.size(), "conv1 and fc2 sum planes; fc1's 1-bit codes need not");
        for (NodeProto sum : sums) {
            boolean axesAttribute = sum.getAttributeList().stream()
                    .anyMatch(attribute -> attribute.getName().equals("axes"));
            assertEquals(opset < 13, axesAttribute, "opset " + opset + ": " + sum);
            assertEquals(opset < 13 ? 1 : 2, sum.getInputCount(), "opset " + opset + ": " + sum);
        }
        Dataset data = randomData(WIDTHS, 64, 29);
        Map<String, float[]> rebuilt = runInOnnxRuntime(compact, data, List.of("conv1.weight", "fc2.weight"));
        for (String weight : rebuilt.keySet()) {
            assertArrayEquals(
                    onnxLayout(WIDTHS.parameter(weight), quantized.get(weight)),
                    rebuilt.get(weight),
                    "opset " + opset + ": " + weight + " as ONNX Runtime unpacks it");
        }
        assertSameNet(compact, WIDTHS, quantized, data);
        assertEquals(quantized, OnnxImporter.read(compact).weights(), "opset " + opset);
    }

    /**
     * A file written before a weight's planes became one initializer: one {@code [bytes, 1]}
     * initializer and five nodes per plane, listed as {@code planes=a,b,c}. Its conv.weight has 5
     * values (3 bits, 27 weights: a Slice), its fc.weight 3 per output channel (2 bits).
     */
    @Test
    void filesWithOneInitializerPerPlaneStillRead() throws Exception {
        Path old = fixture("compact_one_initializer_per_plane.onnx");
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(old));
        Map<String, String> layouts = new HashMap<>();
        proto.getMetadataPropsList().forEach(entry -> layouts.put(entry.getKey(), entry.getValue()));
        assertEquals(
                3,
                Unpacking.parse(layouts.get(Unpacking.COMPACT_KEY + "conv.weight"))
                        .get("planes")
                        .split(",")
                        .length,
                "the fixture keeps the old layout: " + layouts);

        OnnxModel model = OnnxImporter.read(old);
        Weights weights = model.weights();
        // ONNX Runtime unpacks the old graph; lc4j's decoding must be the same net
        assertSameNet(old, model.model(), weights, randomData(model.model(), 32, 31));
        Map<String, OnnxInspector.Parameter> stored = new HashMap<>();
        OnnxInspector.inspect(old).parameters().forEach(parameter -> stored.put(parameter.name(), parameter));
        assertEquals(3, stored.get("conv.weight").bits());
        assertEquals(5, stored.get("conv.weight").size());
        assertEquals(5, sortedDistinct(weights.get("conv.weight")).length);
        assertEquals(2, stored.get("fc.weight").bits());
        assertTrue(stored.get("fc.weight").perChannel());

        Path again = folder.resolve("again.onnx");
        OnnxExporter.write(model, weights, again, true);
        ModelProto rewritten = ModelProto.parseFrom(Files.readAllBytes(again));
        rewritten
                .getMetadataPropsList()
                .forEach(entry -> assertEquals(
                        1, Unpacking.parse(entry.getValue()).get("planes").split(",").length, entry.getValue()));
        assertEquals(weights, OnnxImporter.read(again).weights(), "rewritten in the new layout");
        assertSameNet(again, model.model(), weights, randomData(model.model(), 32, 31));
    }

    @Test
    void planesOfTheWrongLengthAreRefusedNamingTheirBytes() throws Exception {
        Path compact = compactWidths(Map.of("conv1", 16), 13);
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(compact));
        String planes = Unpacking.parse(proto.getMetadataProps(0).getValue()).get("planes");
        ModelProto.Builder cut = proto.toBuilder();
        for (TensorProto.Builder tensor : cut.getGraphBuilder().getInitializerBuilderList()) {
            if (tensor.getName().equals(planes)) {
                tensor.setRawData(tensor.getRawData().substring(1));
            }
        }
        Path file = folder.resolve("cut.onnx");
        Files.write(file, cut.build().toByteArray());
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> OnnxImporter.read(file));
        // conv1 holds 432 weights: 4 planes of 54 bytes
        assertTrue(error.getMessage().contains("215 bytes"), error.getMessage());
        assertTrue(error.getMessage().contains("conv1.weight"), error.getMessage());
    }

    /** {@link #WIDTHS} with each layer named in {@code sizes} on that many values per tensor. */
    private static Weights quantizedWidths(Map<String, Integer> sizes) {
        Weights initial = WeightInitializer.initialize(WIDTHS, 17);
        Map<String, float[]> changed = new HashMap<>();
        sizes.forEach((layer, k) -> changed.put(layer + ".weight", onValues(initial.get(layer + ".weight"), k)));
        return initial.with(changed);
    }

    /** {@link #quantizedWidths} written compact by a graph of {@code opset}. */
    private Path compactWidths(Map<String, Integer> sizes, int opset) {
        ModelProto proto =
                OnnxGraphWriter.fromModel(WIDTHS, WeightInitializer.initialize(WIDTHS, 17)).proto().toBuilder()
                        .clearOpsetImport()
                        .addOpsetImport(
                                OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                        .build();
        Path compact = folder.resolve("widths-" + opset + ".onnx");
        OnnxExporter.write(OnnxImporter.read(proto, WIDTHS.name()), quantizedWidths(sizes), compact, true);
        return compact;
    }

    /**
     * Quantizes each layer of {@link #WIDTHS} named in {@code sizes} to that many values (per
     * tensor, or per output channel), writes it plain and compact, and checks that the compact file
     * stores ⌈log2 K⌉-bit codes and K-value codebooks, that ONNX Runtime rebuilds exactly lc4j's
     * weights from them, and that its logits are the plain file's and its loss and errors lc4j's.
     * Layers not named keep float32 weights.
     */
    private void assertOnnxRuntimeRunsTheCodes(Map<String, Integer> sizes, boolean perChannel) throws Exception {
        String label = sizes + (perChannel ? " per channel" : " per layer");
        Weights initial = WeightInitializer.initialize(WIDTHS, 17);
        Map<String, float[]> changed = new HashMap<>();
        sizes.forEach((layer, k) -> {
            ParameterSpec weight = WIDTHS.parameter(layer + ".weight");
            float[] values = initial.get(weight.name());
            changed.put(weight.name(), perChannel ? onValuesPerChannel(values, weight, k) : onValues(values, k));
        });
        Weights quantized = initial.with(changed);
        OnnxModel source = OnnxGraphWriter.fromModel(WIDTHS, initial);
        Path plain = folder.resolve("plain.onnx");
        Path compact = folder.resolve("compact.onnx");
        OnnxExporter.write(source, quantized, plain, false);
        OnnxExporter.write(source, quantized, compact, true);

        OnnxInspector.Inspection inspection = OnnxInspector.inspect(compact);
        Map<String, OnnxInspector.Parameter> stored = new HashMap<>();
        inspection.parameters().forEach(parameter -> stored.put(parameter.name(), parameter));
        for (String layer : WIDTHS_LAYERS) {
            ParameterSpec weight = WIDTHS.parameter(layer + ".weight");
            OnnxInspector.Parameter parameter = stored.get(weight.name());
            Integer k = sizes.get(layer);
            if (k == null) {
                assertEquals("float32", parameter.storage(), label + ": " + weight.name() + " was not quantized");
                continue;
            }
            int bits = widthOf(k);
            int books = perChannel ? outputChannels(weight) : 1;
            String what = label + ": " + weight.name();
            assertEquals("codes", parameter.storage(), what);
            assertEquals(perChannel, parameter.perChannel(), what);
            assertEquals(k, parameter.size(), what + " codebook size");
            assertEquals(bits, parameter.bits(), what + " code width");
            assertEquals(
                    books * k * (long) Float.BYTES + bits * ((weight.size() + 7L) / 8),
                    parameter.bytes(),
                    what + ": its codebooks' floats plus " + bits + " bits per weight");
        }
        assertWithinTheBitsRhoCountsPlusAFixedUnpacking(compact, plain);

        Dataset data = randomData(WIDTHS, 64, 23);
        List<String> wanted = new ArrayList<>(List.of("logits"));
        sizes.keySet().forEach(layer -> wanted.add(layer + ".weight"));
        Map<String, float[]> fromCodes = runInOnnxRuntime(compact, data, wanted);
        float[] fromFloats = runInOnnxRuntime(plain, data, List.of("logits")).get("logits");
        assertArrayEquals(fromFloats, fromCodes.get("logits"), 1e-4f, label + ": logits from codes and from floats");
        for (String layer : sizes.keySet()) {
            ParameterSpec weight = WIDTHS.parameter(layer + ".weight");
            float[] rebuilt = fromCodes.get(weight.name());
            assertArrayEquals(
                    onnxLayout(weight, quantized.get(weight.name())),
                    rebuilt,
                    label + ": " + weight.name() + " as ONNX Runtime unpacks it");
            // in ONNX's layout (Gemm with transB, Conv) an output channel is a row
            int books = perChannel ? outputChannels(weight) : 1;
            int perBook = rebuilt.length / books;
            for (int book = 0; book < books; book++) {
                float[] slice = Arrays.copyOfRange(rebuilt, book * perBook, (book + 1) * perBook);
                assertEquals(
                        sizes.get(layer),
                        sortedDistinct(slice).length,
                        label + ": distinct values ONNX Runtime sees in " + weight.name() + " codebook " + book);
            }
        }
        assertSameNet(compact, WIDTHS, quantized, data);
        assertEquals(quantized, OnnxImporter.read(compact).weights(), label + ": lc4j reads its codes back");
    }

    /**
     * The compact file is the codes, codebooks and floats ρ counts, plus the net's own graph (what
     * {@code plain}, the same net with float32 weights, holds beyond its floats), plus at most
     * {@link #UNPACKING_BYTES_PER_WEIGHT} per compressed weight, whatever its code width.
     */
    private static void assertWithinTheBitsRhoCountsPlusAFixedUnpacking(Path compact, Path plain)
            throws java.io.IOException {
        long graph = Files.size(plain) - countedByRho(OnnxInspector.inspect(plain));
        OnnxInspector.Inspection inspection = OnnxInspector.inspect(compact);
        long weights = inspection.parameters().stream()
                .filter(parameter -> parameter.storage().equals("codes"))
                .count();
        long counted = countedByRho(inspection);
        long size = Files.size(compact);
        long allowed = counted + graph + UNPACKING_BYTES_PER_WEIGHT * weights;
        assertTrue(
                size <= allowed,
                compact + ": " + size + " bytes for " + counted + " counted by ρ, " + graph + " of the net's graph and "
                        + weights + " compressed weights: over the " + allowed + " allowed");
    }

    private static long countedByRho(OnnxInspector.Inspection inspection) {
        return inspection.parameters().stream()
                .mapToLong(OnnxInspector.Parameter::bytes)
                .sum();
    }

    /**
     * The unpacking of one compressed weight: its nodes, their shape and slice constants, its share
     * of the constants all weights read, its metadata entry and the framing of its codes and
     * codebook. Measured at 460 to 725 bytes, from 1 to 8 bits, per tensor and per channel; 725 for
     * a lone 8-bit weight, which bears the shared constants alone.
     */
    private static final long UNPACKING_BYTES_PER_WEIGHT = 768;

    /** ⌈log2 K⌉, at least 1. */
    private static int widthOf(int k) {
        if (k == 1) {
            return 0;
        }
        int bits = 1;
        while ((1 << bits) < k) {
            bits++;
        }
        return bits;
    }

    private static int outputChannels(ParameterSpec weight) {
        // lc4j holds a dense weight as [in, out], a convolution's as [out, in, kh, kw]
        return weight.shape().length == 2 ? weight.dimension(1) : weight.dimension(0);
    }

    /** The lc4j weight in the layout {@link OnnxGraphWriter#fromModel} writes: Gemm's [out, in]. */
    private static float[] onnxLayout(ParameterSpec weight, float[] values) {
        return weight.shape().length == 2
                ? OnnxTensors.transpose(values, weight.dimension(0), weight.dimension(1))
                : values;
    }

    /**
     * Each value moved to the nearest of {@code k} of the values' own distinct values, picked as
     * quantiles: every one of the k is some value's nearest (its own), so exactly k remain.
     */
    private static float[] onValues(float[] values, int k) {
        float[] distinct = sortedDistinct(values);
        assertTrue(distinct.length >= k, distinct.length + " distinct values cannot give " + k);
        float[] book = new float[k];
        for (int j = 0; j < k; j++) {
            book[j] = distinct[(int) ((j + 0.5) * distinct.length / k)];
        }
        float[] quantized = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            int at = Arrays.binarySearch(book, values[i]);
            if (at < 0) {
                int above = -at - 1;
                boolean below = above == k || (above > 0 && values[i] - book[above - 1] <= book[above] - values[i]);
                at = below ? above - 1 : above;
            }
            quantized[i] = book[at];
        }
        assertEquals(k, sortedDistinct(quantized).length);
        return quantized;
    }

    /** {@link #onValues} on each output channel of {@code weight} alone. */
    private static float[] onValuesPerChannel(float[] values, ParameterSpec weight, int k) {
        int channels = outputChannels(weight);
        int perChannel = values.length / channels;
        boolean columns = weight.shape().length == 2;
        float[] quantized = new float[values.length];
        float[] channel = new float[perChannel];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < perChannel; i++) {
                channel[i] = values[columns ? i * channels + c : c * perChannel + i];
            }
            float[] onK = onValues(channel, k);
            for (int i = 0; i < perChannel; i++) {
                quantized[columns ? i * channels + c : c * perChannel + i] = onK[i];
            }
        }
        return quantized;
    }

    private static float[] sortedDistinct(float[] values) {
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        int count = 0;
        for (float value : sorted) {
            if (count == 0 || Float.compare(value, sorted[count - 1]) != 0) {
                sorted[count++] = value;
            }
        }
        return Arrays.copyOf(sorted, count);
    }

    /**
     * Runs {@code file} in ONNX Runtime on all of {@code data} and returns the tensors {@code names},
     * intermediate ones (a compact weight as the unpacking operators rebuild it) made graph outputs.
     */
    private static Map<String, float[]> runInOnnxRuntime(Path file, Dataset data, List<String> names)
            throws java.io.IOException, OrtException {
        ModelProto.Builder model = ModelProto.parseFrom(Files.readAllBytes(file)).toBuilder();
        Set<String> outputs = new HashSet<>();
        model.getGraph().getOutputList().forEach(output -> outputs.add(output.getName()));
        for (String name : names) {
            if (!outputs.contains(name)) {
                model.getGraphBuilder()
                        .addOutput(ValueInfoProto.newBuilder()
                                .setName(name)
                                .setType(TypeProto.newBuilder()
                                        .setTensorType(TypeProto.Tensor.newBuilder()
                                                .setElemType(TensorProto.DataType.FLOAT_VALUE))));
            }
        }
        long[] shape = new long[data.sampleShape().length + 1];
        shape[0] = data.size();
        for (int i = 0; i < data.sampleShape().length; i++) {
            shape[i + 1] = data.sampleShape()[i];
        }
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = environment.createSession(model.build().toByteArray(), options);
                    OnnxTensor input = OnnxTensor.createTensor(
                            environment,
                            FloatBuffer.wrap(data.range(0, data.size()).inputs()),
                            shape);
                    OrtSession.Result result = session.run(
                            Map.of(session.getInputNames().iterator().next(), input), Set.copyOf(names))) {
                Map<String, float[]> tensors = new HashMap<>();
                for (String name : names) {
                    FloatBuffer buffer = ((OnnxTensor) result.get(name).orElseThrow()).getFloatBuffer();
                    float[] values = new float[buffer.remaining()];
                    buffer.get(values);
                    tensors.put(name, values);
                }
                return tensors;
            }
        }
    }
}
