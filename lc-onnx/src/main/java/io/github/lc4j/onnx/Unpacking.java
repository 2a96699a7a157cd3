package io.github.lc4j.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.github.lc4j.api.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operators that rebuild a compact weight inside the graph. All bit planes of a weight are one
 * uint8 initializer {@code [bits, bytes, 1]}, unpacked by one chain whatever the width: BitShift
 * left by {@code [8]} shifts then right by 7 isolates each bit of each byte ({@code [bits, bytes,
 * 8]}; uint8 shifts drop the bits pushed out), BitShift left by {@code [bits, 1, 1]} puts plane j's
 * bits at bit j, Cast to int64 and ReduceSum over the planes give the codes; Reshape and Slice give
 * one code per weight, and Gather (one codebook) or GatherElements (one per channel) looks the values
 * up.
 */
final class Unpacking {
    /** Metadata key prefix naming each compact weight; {@code lc4j inspect} reads it. */
    static final String COMPACT_KEY = "lc4j.compact:";

    private static final String SHIFTS = "lc4j.unpack.shifts";
    private static final String SEVEN = "lc4j.unpack.seven";
    /** Followed by the width: the bit each plane lands on, shared by the weights of that width. */
    private static final String PLANE_SHIFTS = "lc4j.unpack.bit";
    /** The axis of planes, which ReduceSum sums: an input from opset 13 on. */
    private static final String AXIS_ZERO = "lc4j.unpack.axis0";
    /** ReduceSum reads its axes from an input from this opset on, from an attribute before. */
    private static final int AXES_AS_INPUT_OPSET = 13;
    /** What every unpacking node's name holds, and no other node's. */
    private static final String NODE_PREFIX = "/lc4j/";

    private Unpacking() {}

    /**
     * Appends the initializers and nodes that compute the weight {@code name} of {@code dims} from
     * {@code codes}, with operators of the default-domain {@code opset}; the last node's output is
     * {@code name}, so its consumers stay as they were. Constants the weights share are added to
     * {@code initializers} once. Returns the description {@code lc4j inspect} reads back.
     */
    static String append(
            String name,
            long[] dims,
            CompactCodes codes,
            long opset,
            OnnxProtos.Names names,
            List<TensorProto> initializers,
            List<NodeProto> nodes) {
        int count = OnnxTensors.elementCount(dims, "weight " + name);
        // short names: they are stored once per tensor and node, and the file should be the codes
        String key = names.fresh("q");
        int bytes = (count + 7) / 8;
        int bits = codes.bits();
        String planes = names.fresh(key + ".p");
        initializers.add(OnnxTensors.byteTensor(planes, new long[] {bits, bytes, 1}, concatenated(codes.planes())));
        if (bits == 0) {
            return broadcastOneValue(name, dims, codes, key, planes, names, initializers, nodes);
        }
        String shifts = shared(
                initializers, OnnxTensors.byteTensor(SHIFTS, new long[] {8}, new byte[] {7, 6, 5, 4, 3, 2, 1, 0}));
        String seven = shared(initializers, OnnxTensors.byteTensor(SEVEN, new long[] {1}, new byte[] {7}));
        String up = op(nodes, names, key, "BitShift", key + "/l", List.of(direction("LEFT")), planes, shifts);
        // [bits, bytes, 8]: bit c of byte i of plane j, which is bit j of code 8 i + c
        String isolated = op(nodes, names, key, "BitShift", key + "/r", List.of(direction("RIGHT")), up, seven);
        AttributeProto toInt64 = OnnxProtos.integer("to", TensorProto.DataType.INT64_VALUE);
        String unpacked;
        if (bits == 1) {
            // the bits are the codes; the Reshapes below drop the leading axis of 1
            unpacked = op(nodes, names, key, "Cast", key + "/c", List.of(toInt64), isolated);
        } else {
            byte[] positions = new byte[bits];
            for (int bit = 0; bit < bits; bit++) {
                positions[bit] = (byte) bit;
            }
            String planeShifts = shared(
                    initializers, OnnxTensors.byteTensor(PLANE_SHIFTS + bits, new long[] {bits, 1, 1}, positions));
            // a bit moved to j <= 7 still fits uint8; int64 only for the sum (ReduceSum takes no uint8)
            String placed =
                    op(nodes, names, key, "BitShift", key + "/w", List.of(direction("LEFT")), isolated, planeShifts);
            String wide = op(nodes, names, key, "Cast", key + "/c", List.of(toInt64), placed);
            AttributeProto keep = OnnxProtos.integer("keepdims", 0);
            unpacked = opset >= AXES_AS_INPUT_OPSET
                    ? op(
                            nodes,
                            names,
                            key,
                            "ReduceSum",
                            key + "/s",
                            List.of(keep),
                            wide,
                            shared(initializers, OnnxTensors.longTensor(AXIS_ZERO, new long[] {1}, 0)))
                    : op(nodes, names, key, "ReduceSum", key + "/s", List.of(OnnxProtos.ints("axes", 0), keep), wide);
        }
        // [bytes, 8] (or [1, bytes, 8]): one code per weight in C order, then the padding
        String perWeight = unpacked;
        if (bytes * 8L != count) {
            String flat = op(
                    nodes,
                    names,
                    key,
                    "Reshape",
                    key + "/f",
                    List.of(),
                    unpacked,
                    shape(initializers, names, key, bytes * 8L));
            String starts = names.fresh(key + ".a");
            String ends = names.fresh(key + ".z");
            initializers.add(OnnxTensors.longTensor(starts, new long[] {1}, 0));
            initializers.add(OnnxTensors.longTensor(ends, new long[] {1}, count));
            perWeight = op(nodes, names, key, "Slice", key + "/i", List.of(), flat, starts, ends);
        }
        String book = names.fresh(key + ".cb");
        if (!codes.perChannel()) {
            initializers.add(OnnxTensors.floatTensor(book, new long[] {codes.size()}, codes.codebook()));
            String values = op(nodes, names, key, "Gather", key + "/g", List.of(), book, perWeight);
            last(nodes, names, key, "Reshape", name, List.of(), values, shape(initializers, names, key, dims));
        } else {
            int channels = codes.channels();
            boolean rows = codes.channelAxis() == 0;
            long[] grid = rows ? new long[] {channels, count / channels} : new long[] {count / channels, channels};
            long[] bookDims = rows ? new long[] {channels, codes.size()} : new long[] {codes.size(), channels};
            initializers.add(OnnxTensors.floatTensor(book, bookDims, codes.codebook()));
            String indices = op(
                    nodes,
                    names,
                    key,
                    "Reshape",
                    key + "/x",
                    List.of(),
                    perWeight,
                    shape(initializers, names, key, grid));
            AttributeProto axis = OnnxProtos.integer("axis", rows ? 1 : 0);
            if (Arrays.equals(grid, dims)) {
                // a matrix is its own grid: no Reshape after the lookup
                last(nodes, names, key, "GatherElements", name, List.of(axis), book, indices);
            } else {
                String values = op(nodes, names, key, "GatherElements", key + "/v", List.of(axis), book, indices);
                last(nodes, names, key, "Reshape", name, List.of(), values, shape(initializers, names, key, dims));
            }
        }
        return describe(codes, dims, book, planes);
    }

    /** The planes back to back: plane j is bytes {@code [j * n, (j + 1) * n)} of the initializer. */
    /**
     * A weight of one value per tensor (or per channel): no codes, its codebook Expanded to the
     * weight's shape. The empty planes stay as an initializer, so that the layout reads back alike.
     */
    private static String broadcastOneValue(
            String name,
            long[] dims,
            CompactCodes codes,
            String key,
            String planes,
            OnnxProtos.Names names,
            List<TensorProto> initializers,
            List<NodeProto> nodes) {
        int count = OnnxTensors.elementCount(dims, "weight " + name);
        String book = names.fresh(key + ".cb");
        if (!codes.perChannel()) {
            initializers.add(OnnxTensors.floatTensor(book, new long[] {1}, codes.codebook()));
            last(nodes, names, key, "Expand", name, List.of(), book, shape(initializers, names, key, dims));
        } else {
            int channels = codes.channels();
            boolean rows = codes.channelAxis() == 0;
            long[] grid = rows ? new long[] {channels, count / channels} : new long[] {count / channels, channels};
            initializers.add(OnnxTensors.floatTensor(
                    book, rows ? new long[] {channels, 1} : new long[] {1, channels}, codes.codebook()));
            if (Arrays.equals(grid, dims)) {
                last(nodes, names, key, "Expand", name, List.of(), book, shape(initializers, names, key, grid));
            } else {
                String values = op(
                        nodes,
                        names,
                        key,
                        "Expand",
                        key + "/e",
                        List.of(),
                        book,
                        shape(initializers, names, key, grid));
                last(nodes, names, key, "Reshape", name, List.of(), values, shape(initializers, names, key, dims));
            }
        }
        return describe(codes, dims, book, planes);
    }

    private static byte[] concatenated(byte[][] planes) {
        int length = planes.length == 0 ? 0 : planes[0].length;
        byte[] all = new byte[planes.length * length];
        for (int bit = 0; bit < planes.length; bit++) {
            System.arraycopy(planes[bit], 0, all, bit * length, length);
        }
        return all;
    }

    /**
     * Adds {@code constant} to {@code initializers} unless an earlier weight did; returns its name.
     */
    private static String shared(List<TensorProto> initializers, TensorProto constant) {
        boolean added =
                initializers.stream().anyMatch(tensor -> tensor.getName().equals(constant.getName()));
        if (!added) {
            initializers.add(constant);
        }
        return constant.getName();
    }

    /** What {@code lc4j inspect} reads back: the layout of one compact weight. */
    private static String describe(CompactCodes codes, long[] dims, String book, String planes) {
        StringBuilder shape = new StringBuilder();
        for (long dimension : dims) {
            shape.append(shape.length() > 0 ? "x" : "").append(dimension);
        }
        return "shape=" + shape + ";k=" + codes.size() + ";bits=" + codes.bits() + ";per="
                + (codes.perChannel() ? "channel" : "tensor") + ";channels=" + codes.channels() + ";axis="
                + codes.channelAxis() + ";codebook=" + book
                + ";planes=" + planes;
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
            if (!entry.getKey().startsWith(COMPACT_KEY)) {
                continue;
            }
            String name = entry.getKey().substring(COMPACT_KEY.length());
            Map<String, String> fields = parse(entry.getValue());
            try {
                long[] dims = Arrays.stream(fields.get("shape").split("x"))
                        .mapToLong(Long::parseLong)
                        .toArray();
                int count = OnnxTensors.elementCount(dims, "compact weight '" + name + "'");
                int bits = Integer.parseInt(fields.get("bits"));
                if ((bits == 0) != (Integer.parseInt(fields.get("k")) == 1)) {
                    throw new IllegalArgumentException(
                            "codes of " + bits + " bits for " + fields.get("k") + " values; 0 bits go with one value");
                }
                byte[][] planes = planes(fields.get("planes"), bits, (count + 7) / 8, initializers);
                CompactCodes codes = new CompactCodes(
                        bits,
                        Integer.parseInt(fields.get("k")),
                        fields.get("per").equals("channel"),
                        Integer.parseInt(fields.getOrDefault("axis", "0")),
                        Integer.parseInt(fields.get("channels")),
                        OnnxTensors.floats(initializers.get(fields.get("codebook")), null, "codebook of " + name),
                        planes);
                if (codes.codebook().length != codes.size() * codes.channels()) {
                    throw new IllegalArgumentException("the codebook holds " + codes.codebook().length
                            + " values, not k × channels = " + codes.size() * codes.channels());
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
     * Returns the {@code bits} planes of {@code perPlane} bytes each that the initializers {@code
     * listed} (comma-separated) hold back to back: one {@code [bits, bytes, 1]} initializer, or, in
     * files written before all planes became one, one {@code [bytes, 1]} initializer per plane.
     */
    private static byte[][] planes(String listed, int bits, int perPlane, Map<String, TensorProto> initializers) {
        if (bits < 0 || bits > 8) {
            throw new IllegalArgumentException("codes of " + bits + " bits; a compact file stores 0 to 8");
        }
        List<ByteString> stored = new ArrayList<>();
        long size = 0;
        for (String plane : listed.split(",")) {
            TensorProto tensor = initializers.get(plane);
            if (tensor == null) {
                throw new IllegalArgumentException("no initializer " + plane + " holds the planes");
            }
            ByteString bytes = tensor.getRawData();
            // whole planes only: a plane split over two initializers is no layout lc4j writes
            if (perPlane > 0 && bytes.size() % perPlane != 0) {
                throw new IllegalArgumentException(
                        "initializer " + plane + " holds " + bytes.size() + " bytes, no whole planes of " + perPlane);
            }
            stored.add(bytes);
            size += bytes.size();
        }
        if (size != (long) bits * perPlane) {
            throw new IllegalArgumentException(
                    "planes " + listed + " hold " + size + " bytes for " + bits + " planes of " + perPlane);
        }
        byte[] all = ByteString.copyFrom(stored).toByteArray();
        byte[][] planes = new byte[bits][];
        for (int bit = 0; bit < bits; bit++) {
            planes[bit] = Arrays.copyOfRange(all, bit * perPlane, (bit + 1) * perPlane);
        }
        return planes;
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
                .filter(entry -> !entry.getKey().startsWith(COMPACT_KEY))
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

    private static String shape(List<TensorProto> initializers, OnnxProtos.Names names, String name, long... dims) {
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
            OnnxProtos.Names names,
            String key,
            String opType,
            String output,
            List<AttributeProto> attributes,
            String... inputs) {
        String name = names.fresh(output);
        last(nodes, names, key, opType, name, attributes, inputs);
        return name;
    }

    /** Appends one unpacking node named after {@code key} whose output is {@code output} itself. */
    private static void last(
            List<NodeProto> nodes,
            OnnxProtos.Names names,
            String key,
            String opType,
            String output,
            List<AttributeProto> attributes,
            String... inputs) {
        nodes.add(NodeProto.newBuilder()
                .setOpType(opType)
                .setName(names.fresh(NODE_PREFIX + key))
                .addAllInput(List.of(inputs))
                .addOutput(output)
                .addAllAttribute(attributes)
                .build());
    }

    private static AttributeProto direction(String direction) {
        return OnnxProtos.string("direction", direction);
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
