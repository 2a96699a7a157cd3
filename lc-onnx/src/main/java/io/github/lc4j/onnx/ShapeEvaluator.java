package io.github.lc4j.onnx;

import static io.github.lc4j.onnx.OnnxProtos.attribute;
import static io.github.lc4j.onnx.OnnxProtos.describe;
import static io.github.lc4j.onnx.OnnxProtos.intAttribute;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.github.lc4j.api.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Evaluates the small integer tensors an exporter computes around activations: a Reshape's target
 * shape (PyTorch writes {@code x.view(N, -1)} as Shape → Gather → Unsqueeze → Concat), the axes of
 * a Reduce, Squeeze or Unsqueeze, a Clip's bounds. The batch dimension evaluates to {@link #BATCH}.
 */
final class ShapeEvaluator {
    /** Marks the batch dimension in an evaluated shape. */
    static final long BATCH = Long.MIN_VALUE;

    /** Operators that may compute such a constant. */
    static final Set<String> OPERATORS =
            Set.of("Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Constant", "Cast", "Slice", "Identity");

    private static final int MAX_DEPTH = 32;

    private final OnnxGraph graph;
    private final Function<String, int[]> activationShapes;
    private final Function<String, InvalidInputException> errors;

    /**
     * @param activationShapes the per-sample shape of an activation imported so far, or null
     * @param errors           makes the error for a message
     */
    ShapeEvaluator(
            OnnxGraph graph, Function<String, int[]> activationShapes, Function<String, InvalidInputException> errors) {
        this.graph = graph;
        this.activationShapes = activationShapes;
        this.errors = errors;
    }

    /** Evaluates the int64 tensor {@code name}, read by {@code where}, as a flat array. */
    long[] integers(String name, String where) {
        return evaluate(name, where, 0);
    }

    /** The float constant {@code name} (an initializer or a Constant node), read by {@code where}. */
    float[] floats(String name, String where) {
        TensorProto constant = graph.initializer(name);
        NodeProto node = graph.producer(name);
        if (constant == null && node != null && node.getOpType().equals("Constant")) {
            AttributeProto value = attribute(node, "value");
            if (value != null) {
                constant = value.getT();
            } else if (attribute(node, "value_float") != null) {
                return new float[] {attribute(node, "value_float").getF()};
            }
        }
        if (constant == null) {
            throw errors.apply(where + ": its input '" + name + "' is not a constant; lc4j needs it in the file");
        }
        return OnnxTensors.floats(constant, null, "constant '" + name + "'");
    }

    /** Whether {@code name} is a constant lc4j can evaluate without any activation. */
    boolean isConstant(String name) {
        if (graph.isInitializer(name)) {
            return true;
        }
        NodeProto node = graph.producer(name);
        return node != null && node.getOpType().equals("Constant");
    }

    private long[] evaluate(String name, String where, int depth) {
        if (depth > MAX_DEPTH) {
            throw errors.apply(where + ": its constant input is computed by too deep a chain");
        }
        TensorProto constant = graph.initializer(name);
        if (constant != null) {
            return OnnxTensors.integers(constant, "initializer '" + name + "'");
        }
        NodeProto node = graph.producer(name);
        if (node == null) {
            throw errors.apply(where + ": its input '" + name + "' is neither a constant nor computed in the graph");
        }
        String what = describe(node);
        return switch (node.getOpType()) {
            case "Constant" -> constantValue(node);
            case "Shape" -> {
                int[] shape = activationShapes.apply(node.getInput(0));
                if (shape == null) {
                    throw errors.apply(where + ": " + what + " reads the shape of '" + node.getInput(0)
                            + "', which is not an activation lc4j has imported before it");
                }
                long[] full = new long[shape.length + 1];
                full[0] = BATCH;
                for (int i = 0; i < shape.length; i++) {
                    full[i + 1] = shape[i];
                }
                int start = clampAxis(intAttribute(node, "start", 0), full.length);
                int end = clampAxis(intAttribute(node, "end", full.length), full.length);
                yield Arrays.copyOfRange(full, start, Math.max(start, end));
            }
            case "Gather" -> {
                long[] data = evaluate(node.getInput(0), where, depth + 1);
                long[] indices = evaluate(node.getInput(1), where, depth + 1);
                if (intAttribute(node, "axis", 0) != 0) {
                    throw errors.apply(
                            what + " gathers along axis " + intAttribute(node, "axis", 0) + " in a shape computation");
                }
                long[] picked = new long[indices.length];
                for (int i = 0; i < indices.length; i++) {
                    long index = indices[i] < 0 ? indices[i] + data.length : indices[i];
                    if (index < 0 || index >= data.length) {
                        throw errors.apply(
                                what + " gathers index " + indices[i] + " of a " + data.length + "-element shape");
                    }
                    picked[i] = data[(int) index];
                }
                yield picked;
            }
            case "Slice" -> {
                long[] data = evaluate(node.getInput(0), where, depth + 1);
                long[] starts = evaluate(node.getInput(1), where, depth + 1);
                long[] ends = evaluate(node.getInput(2), where, depth + 1);
                boolean simple = starts.length == 1
                        && ends.length == 1
                        && (node.getInputCount() < 4
                                || node.getInput(3).isEmpty()
                                || Arrays.equals(evaluate(node.getInput(3), where, depth + 1), new long[] {0}))
                        && (node.getInputCount() < 5
                                || node.getInput(4).isEmpty()
                                || Arrays.equals(evaluate(node.getInput(4), where, depth + 1), new long[] {1}));
                if (!simple) {
                    throw errors.apply(what + " slices a shape with axes or steps lc4j does not evaluate");
                }
                int start = clampAxis(starts[0], data.length);
                int end = clampAxis(Math.min(ends[0], data.length), data.length);
                yield Arrays.copyOfRange(data, start, Math.max(start, end));
            }
            case "Unsqueeze", "Squeeze", "Cast", "Identity" -> evaluate(node.getInput(0), where, depth + 1);
            case "Concat" -> {
                List<Long> all = new ArrayList<>();
                for (String input : node.getInputList()) {
                    for (long value : evaluate(input, where, depth + 1)) {
                        all.add(value);
                    }
                }
                yield all.stream().mapToLong(Long::longValue).toArray();
            }
            default ->
                throw errors.apply(where + ": its constant input is computed by " + what + ", which lc4j cannot"
                        + " evaluate; export the net with constant shapes, or Flatten");
        };
    }

    private long[] constantValue(NodeProto node) {
        for (AttributeProto attribute : node.getAttributeList()) {
            switch (attribute.getName()) {
                case "value" -> {
                    return OnnxTensors.integers(attribute.getT(), describe(node) + " value");
                }
                case "value_int" -> {
                    return new long[] {attribute.getI()};
                }
                case "value_ints" -> {
                    return attribute.getIntsList().stream()
                            .mapToLong(Long::longValue)
                            .toArray();
                }
                default -> {
                    // other attributes hold non-integer constants, rejected below
                }
            }
        }
        throw errors.apply(describe(node) + " holds no integer constant");
    }

    private static int clampAxis(long axis, int rank) {
        long resolved = axis < 0 ? axis + rank : axis;
        return (int) Math.max(0, Math.min(rank, resolved));
    }

    /** A shape for a message, {@code batch} for the batch dimension. */
    static String render(long[] shape) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            text.append(i > 0 ? ", " : "").append(shape[i] == BATCH ? "batch" : Long.toString(shape[i]));
        }
        return text.append(']').toString();
    }
}
