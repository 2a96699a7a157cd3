package io.github.lc4j.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
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
    /** What every unpacking node's name holds, and no other node's. */
    private static final String NODE_PREFIX = "/lc4j/";

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
            String up = op(nodes, names, key, "BitShift", key + "/l", direction("LEFT"), plane, SHIFTS);
            String down = op(nodes, names, key, "BitShift", key + "/r", direction("RIGHT"), up, SEVEN);
            AttributeProto toInt64 = OnnxExporter.integer("to", TensorProto.DataType.INT64_VALUE);
            String wide = op(nodes, names, key, "Cast", key + "/c" + bit, toInt64, down);
            if (bit > 0) {
                String weight = names.fresh(key + ".x" + bit);
                initializers.add(OnnxTensors.longTensor(weight, new long[0], 1L << bit));
                wide = op(nodes, names, key, "Mul", key + "/m", null, wide, weight);
                sum = op(nodes, names, key, "Add", key + "/a", null, sum, wide);
            } else {
                sum = wide;
            }
        }
        String flat =
                op(nodes, names, key, "Reshape", key + "/r", null, sum, shape(initializers, names, key, bytes * 8L));
        String perWeight = flat;
        if (bytes * 8L != count) {
            String starts = names.fresh(key + ".a");
            String ends = names.fresh(key + ".z");
            initializers.add(OnnxTensors.longTensor(starts, new long[] {1}, 0));
            initializers.add(OnnxTensors.longTensor(ends, new long[] {1}, count));
            perWeight = op(nodes, names, key, "Slice", key + "/i", null, flat, starts, ends);
        }
        String book = names.fresh(key + ".cb");
        String values;
        if (!codes.perChannel()) {
            initializers.add(OnnxTensors.floatTensor(book, new long[] {codes.size()}, codes.codebook()));
            values = op(nodes, names, key, "Gather", key + "/g", null, book, perWeight);
        } else {
            int channels = codes.channels();
            boolean rows = codes.channelAxis() == 0;
            long[] grid = rows ? new long[] {channels, count / channels} : new long[] {count / channels, channels};
            long[] bookDims = rows ? new long[] {channels, codes.size()} : new long[] {codes.size(), channels};
            initializers.add(OnnxTensors.floatTensor(book, bookDims, codes.codebook()));
            String indices = op(
                    nodes, names, key, "Reshape", key + "/r", null, perWeight, shape(initializers, names, key, grid));
            AttributeProto axis = OnnxExporter.integer("axis", rows ? 1 : 0);
            values = op(nodes, names, key, "GatherElements", key + "/v", axis, book, indices);
        }
        // the weight's own name as the last output: its consumers read it as before
        nodes.add(NodeProto.newBuilder()
                .setOpType("Reshape")
                .setName(names.fresh(NODE_PREFIX + key))
                .addInput(values)
                .addInput(shape(initializers, names, key, dims))
                .addOutput(name)
                .build());
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
        Set<String> unpackingInputs = unpackingInputs(model.getGraph());
        List<NodeProto> kept =
                graph.getNodeList().stream().filter(node -> !isUnpacking(node)).toList();
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

    /**
     * Appends one unpacking node named after {@code key}; returns its output, a fresh name from
     * {@code output}.
     */
    private static String op(
            List<NodeProto> nodes,
            OnnxExporter.Names names,
            String key,
            String opType,
            String output,
            AttributeProto attribute,
            String... inputs) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(opType).setName(names.fresh(NODE_PREFIX + key));
        for (String input : inputs) {
            node.addInput(input);
        }
        String name = names.fresh(output);
        node.addOutput(name);
        if (attribute != null) {
            node.addAttribute(attribute);
        }
        nodes.add(node.build());
        return name;
    }

    private static AttributeProto direction(String direction) {
        return OnnxExporter.string("direction", direction);
    }

    /** Whether {@code node} is one of the unpacking nodes {@link #append} writes. */
    static boolean isUnpacking(NodeProto node) {
        return node.getName().contains(NODE_PREFIX);
    }

    /** Every tensor the unpacking nodes of {@code graph} read: planes, codebooks, shapes, constants. */
    static Set<String> unpackingInputs(GraphProto graph) {
        Set<String> inputs = new HashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            if (isUnpacking(node)) {
                inputs.addAll(node.getInputList());
            }
        }
        return inputs;
    }
}
