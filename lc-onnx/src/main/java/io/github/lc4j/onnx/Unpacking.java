package io.github.lc4j.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.github.lc4j.api.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operators that rebuild a compact weight inside the graph: per bit plane, BitShift left then
 * right isolates each bit of each byte (uint8 shifts drop the bits pushed out), Cast to int64,
 * weighted by 2^j and summed; Reshape and Slice give one code per weight, and Gather (one
 * codebook) or GatherElements (one per channel) looks the values up.
 */
final class Unpacking {
    private static final String SHIFTS = "lc4j.unpack.shifts";
    private static final String SEVEN = "lc4j.unpack.seven";

    private Unpacking() {}

    /** The constants every unpacking shares; added once per file. */
    static List<TensorProto> constants() {
        return List.of(
                OnnxTensors.byteTensor(SHIFTS, new long[] {8}, new byte[] {7, 6, 5, 4, 3, 2, 1, 0}),
                OnnxTensors.byteTensor(SEVEN, new long[] {1}, new byte[] {7}));
    }

    /**
     * Appends the initializers and nodes that compute the weight {@code name} of {@code dims} from
     * {@code codes}; the last node's output is {@code name}, so its consumers stay as they were.
     * Returns the description {@code lc4j inspect} reads back.
     */
    static String append(
            String name,
            long[] dims,
            CompactCodes codes,
            OnnxExporter.Names names,
            List<TensorProto> initializers,
            List<NodeProto> nodes) {
        int count = OnnxTensors.elementCount(dims, "weight " + name);
        // short names: they are stored once per tensor and node, and the file should be the codes
        String key = names.fresh("q");
        int bytes = (count + 7) / 8;
        String sum = null;
        List<String> planes = new ArrayList<>();
        for (int bit = 0; bit < codes.bits(); bit++) {
            String plane = names.fresh(key + ".p" + bit);
            planes.add(plane);
            initializers.add(OnnxTensors.byteTensor(plane, new long[] {bytes, 1}, codes.planes()[bit]));
            String up = node(nodes, names, "BitShift", key, new String[] {plane, SHIFTS}, "LEFT");
            String down = node(nodes, names, "BitShift", key, new String[] {up, SEVEN}, "RIGHT");
            String wide = names.fresh(key + "/c" + bit);
            nodes.add(NodeProto.newBuilder()
                    .setOpType("Cast")
                    .setName(names.fresh("/lc4j/" + key))
                    .addInput(down)
                    .addOutput(wide)
                    .addAttribute(OnnxExporter.integer("to", TensorProto.DataType.INT64_VALUE))
                    .build());
            if (bit > 0) {
                String weight = names.fresh(key + ".x" + bit);
                initializers.add(OnnxTensors.longTensor(weight, new long[0], 1L << bit));
                wide = plain(nodes, names, "Mul", key, wide, weight);
                sum = plain(nodes, names, "Add", key, sum, wide);
            } else {
                sum = wide;
            }
        }
        String flat = plain(nodes, names, "Reshape", key, sum, shape(initializers, names, key, bytes * 8L));
        String perWeight = flat;
        if (bytes * 8L != count) {
            String starts = names.fresh(key + ".a");
            String ends = names.fresh(key + ".z");
            initializers.add(OnnxTensors.longTensor(starts, new long[] {1}, 0));
            initializers.add(OnnxTensors.longTensor(ends, new long[] {1}, count));
            perWeight = names.fresh(key + "/i");
            nodes.add(NodeProto.newBuilder()
                    .setOpType("Slice")
                    .setName(names.fresh("/lc4j/" + key))
                    .addInput(flat)
                    .addInput(starts)
                    .addInput(ends)
                    .addOutput(perWeight)
                    .build());
        }
        String book = names.fresh(key + ".cb");
        if (!codes.perChannel()) {
            initializers.add(OnnxTensors.floatTensor(book, new long[] {codes.size()}, codes.codebook()));
            String values = plain(nodes, names, "Gather", key, book, perWeight);
            nodes.add(reshape(names, key, values, shape(initializers, names, key, dims), name));
            return describe(codes, dims, book, planes);
        }
        int channels = codes.channels();
        long[] grid = codes.channelAxis() == 0
                ? new long[] {channels, count / channels}
                : new long[] {count / channels, channels};
        long[] bookDims =
                codes.channelAxis() == 0 ? new long[] {channels, codes.size()} : new long[] {codes.size(), channels};
        initializers.add(OnnxTensors.floatTensor(book, bookDims, codes.codebook()));
        String indices = plain(nodes, names, "Reshape", key, perWeight, shape(initializers, names, key, grid));
        String gathered = names.fresh(key + "/v");
        nodes.add(NodeProto.newBuilder()
                .setOpType("GatherElements")
                .setName(names.fresh("/lc4j/" + key))
                .addInput(book)
                .addInput(indices)
                .addOutput(gathered)
                .addAttribute(OnnxExporter.integer("axis", codes.channelAxis() == 0 ? 1 : 0))
                .build());
        nodes.add(reshape(names, key, gathered, shape(initializers, names, key, dims), name));
        return describe(codes, dims, book, planes);
    }

    /** What {@code lc4j inspect} reads back: the layout of one compact weight. */
    private static String describe(CompactCodes codes, long[] dims, String book, List<String> planes) {
        StringBuilder shape = new StringBuilder();
        for (long dimension : dims) {
            shape.append(shape.length() > 0 ? "x" : "").append(dimension);
        }
        return "shape=" + shape + ";k=" + codes.size() + ";bits=" + codes.bits() + ";per="
                + (codes.perChannel() ? "channel" : "tensor") + ";channels=" + codes.channels() + ";axis="
                + codes.channelAxis() + ";codebook=" + book
                + ";planes=" + String.join(",", planes);
    }

    /** A compact weight as the file stores it. */
    record Stored(String name, long[] dims, CompactCodes codes) {}

    /**
     * Returns the compact weights {@code model} stores, read from its metadata and checked against
     * its initializers.
     *
     * @throws InvalidInputException naming {@code source} when a layout does not match the file
     */
    static List<Stored> read(ModelProto model, String source) {
        Map<String, TensorProto> initializers = new LinkedHashMap<>();
        model.getGraph().getInitializerList().forEach(tensor -> initializers.put(tensor.getName(), tensor));
        List<Stored> stored = new ArrayList<>();
        for (StringStringEntryProto entry : model.getMetadataPropsList()) {
            if (!entry.getKey().startsWith(OnnxExporter.COMPACT_KEY)) {
                continue;
            }
            String name = entry.getKey().substring(OnnxExporter.COMPACT_KEY.length());
            Map<String, String> fields = parse(entry.getValue());
            try {
                long[] dims = Arrays.stream(fields.get("shape").split("x"))
                        .mapToLong(Long::parseLong)
                        .toArray();
                int count = OnnxTensors.elementCount(dims, "compact weight '" + name + "'");
                String[] planeNames = fields.get("planes").split(",");
                byte[][] planes = new byte[planeNames.length][];
                for (int bit = 0; bit < planes.length; bit++) {
                    planes[bit] = initializers.get(planeNames[bit]).getRawData().toByteArray();
                    if (planes[bit].length != (count + 7) / 8) {
                        throw new IllegalArgumentException("plane " + planeNames[bit] + " holds " + planes[bit].length
                                + " bytes for " + count + " codes");
                    }
                }
                CompactCodes codes = new CompactCodes(
                        Integer.parseInt(fields.get("bits")),
                        Integer.parseInt(fields.get("k")),
                        fields.get("per").equals("channel"),
                        Integer.parseInt(fields.getOrDefault("axis", "0")),
                        Integer.parseInt(fields.get("channels")),
                        OnnxTensors.floats(initializers.get(fields.get("codebook")), null, "codebook of " + name),
                        planes);
                if (codes.bits() != planes.length || codes.codebook().length != codes.size() * codes.channels()) {
                    throw new IllegalArgumentException("bits and codebook size disagree with the stored arrays");
                }
                codes.values(count); // every code must point into its codebook
                stored.add(new Stored(name, dims, codes));
            } catch (RuntimeException e) {
                throw new InvalidInputException(
                        source + ": the compact layout of weight '" + name + "' (" + fields
                                + ") does not match the file: " + e.getMessage(),
                        e);
            }
        }
        return stored;
    }

    /**
     * Returns {@code model} with every compact weight rebuilt as a float32 initializer and the
     * unpacking operators and their constants removed: the graph as it was before the export.
     *
     * @throws InvalidInputException when a layout does not match the file's initializers
     */
    static ModelProto expand(ModelProto model, String source) {
        Map<String, TensorProto> expanded = new LinkedHashMap<>();
        for (Stored weight : read(model, source)) {
            int count = OnnxTensors.elementCount(weight.dims(), weight.name());
            expanded.put(
                    weight.name(),
                    OnnxTensors.floatTensor(
                            weight.name(), weight.dims(), weight.codes().values(count)));
        }
        if (expanded.isEmpty()) {
            return model;
        }
        ModelProto.Builder builder = model.toBuilder();
        GraphProto.Builder graph = builder.getGraphBuilder();
        Set<String> unpackingInputs = new HashSet<>();
        List<NodeProto> kept = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            if (node.getName().contains("/lc4j/")) {
                unpackingInputs.addAll(node.getInputList());
            } else {
                kept.add(node);
            }
        }
        List<TensorProto> tensors = new ArrayList<>();
        for (TensorProto tensor : graph.getInitializerList()) {
            if (!unpackingInputs.contains(tensor.getName())) {
                tensors.add(tensor);
            }
        }
        tensors.addAll(expanded.values());
        graph.clearNode().addAllNode(kept).clearInitializer().addAllInitializer(tensors);
        List<StringStringEntryProto> metadata = model.getMetadataPropsList().stream()
                .filter(entry -> !entry.getKey().startsWith(OnnxExporter.COMPACT_KEY))
                .toList();
        return builder.clearMetadataProps().addAllMetadataProps(metadata).build();
    }

    /** Parses {@link #describe}'s text. */
    static Map<String, String> parse(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : text.split(";")) {
            int equals = field.indexOf('=');
            if (equals > 0) {
                fields.put(field.substring(0, equals), field.substring(equals + 1));
            }
        }
        return fields;
    }

    private static String shape(List<TensorProto> initializers, OnnxExporter.Names names, String name, long... dims) {
        String shape = names.fresh(name + ".s");
        initializers.add(OnnxTensors.longTensor(shape, new long[] {dims.length}, dims));
        return shape;
    }

    private static NodeProto reshape(OnnxExporter.Names names, String name, String data, String shape, String output) {
        return NodeProto.newBuilder()
                .setOpType("Reshape")
                .setName(names.fresh("/lc4j/" + name))
                .addInput(data)
                .addInput(shape)
                .addOutput(output)
                .build();
    }

    private static String plain(
            List<NodeProto> nodes, OnnxExporter.Names names, String opType, String name, String... inputs) {
        String output = names.fresh(name + "/" + opType.substring(0, 1).toLowerCase(java.util.Locale.ROOT));
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(opType).setName(names.fresh("/lc4j/" + name));
        for (String input : inputs) {
            node.addInput(input);
        }
        nodes.add(node.addOutput(output).build());
        return output;
    }

    private static String node(
            List<NodeProto> nodes,
            OnnxExporter.Names names,
            String opType,
            String name,
            String[] inputs,
            String direction) {
        String output = names.fresh(name + "/" + direction.substring(0, 1).toLowerCase(java.util.Locale.ROOT));
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(opType).setName(names.fresh("/lc4j/" + name));
        for (String input : inputs) {
            node.addInput(input);
        }
        nodes.add(node.addOutput(output)
                .addAttribute(OnnxExporter.string("direction", direction))
                .build());
        return output;
    }
}
