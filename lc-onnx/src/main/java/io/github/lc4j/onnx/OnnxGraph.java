package io.github.lc4j.onnx;

import static io.github.lc4j.onnx.OnnxProtos.attribute;
import static io.github.lc4j.onnx.OnnxProtos.describe;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.github.lc4j.api.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * An ONNX graph read and checked as a graph: its initializers (Constant nodes that hold parameters
 * included), who produces and who consumes each tensor, and its nodes in an order where every
 * tensor is produced before it is read. A cycle, a tensor nobody produces, a node without output,
 * or a tensor produced twice is one error naming it.
 */
final class OnnxGraph {
    /** The largest model file read: protobuf's own limit for one message. */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE;

    private final ModelProto proto;
    private final GraphProto graph;
    private final Function<String, InvalidInputException> errors;
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final List<NodeProto> order;

    /**
     * Reads {@code proto}'s graph; {@code parameterUsers} names the operators whose float Constant
     * inputs are parameters (moved to initializers); {@code folder} holds external data (null when
     * there is none); {@code errors} makes the error for a message.
     */
    OnnxGraph(
            ModelProto proto, Set<String> parameterUsers, Path folder, Function<String, InvalidInputException> errors) {
        this.errors = errors;
        ModelProto moved = constantsAsInitializers(proto, parameterUsers);
        this.proto = ownParameters(transposedParameters(moved, parameterUsers, folder), parameterUsers);
        this.graph = this.proto.getGraph();
        for (TensorProto initializer : graph.getInitializerList()) {
            initializers.put(initializer.getName(), initializer);
        }
        for (NodeProto node : graph.getNodeList()) {
            if (node.getOutputCount() == 0 || node.getOutput(0).isEmpty()) {
                throw errors.apply(describe(node) + " has no output");
            }
            for (String output : node.getOutputList()) {
                if (output.isEmpty()) {
                    continue;
                }
                NodeProto earlier = producers.put(output, node);
                if (earlier != null || initializers.containsKey(output)) {
                    throw errors.apply("tensor '" + output + "' is produced twice (by " + describe(node) + " and "
                            + (earlier != null ? describe(earlier) : "an initializer") + ")");
                }
            }
        }
        for (NodeProto node : graph.getNodeList()) {
            for (String input : node.getInputList()) {
                if (!input.isEmpty()) {
                    consumers.computeIfAbsent(input, name -> new ArrayList<>()).add(node);
                }
            }
        }
        order = topologicalOrder();
    }

    /** Reads the ONNX model in {@code file} without interpreting it. */
    static ModelProto parse(Path file) {
        String source = "ONNX file " + file;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new InvalidInputException(source + " has " + size + " bytes; lc4j reads models of"
                        + " up to 2 GiB (larger ones keep their weights in external data files)");
            }
            try (InputStream stream = Files.newInputStream(file)) {
                return parse(CodedInputStream.newInstance(stream), size, source);
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(source + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + source + ": " + e, e);
        }
    }

    /** Parses the model in {@code bytes}. */
    static ModelProto parse(byte[] bytes, String source) {
        try {
            return parse(CodedInputStream.newInstance(bytes), bytes.length, source);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + source + ": " + e, e);
        }
    }

    /** Parses {@code size} bytes of an ONNX model from {@code coded}: a model with a graph, or an error. */
    private static ModelProto parse(CodedInputStream coded, long size, String source) throws IOException {
        coded.setSizeLimit((int) Math.max(size, 1));
        try {
            ModelProto model = ModelProto.parseFrom(coded);
            if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
                throw new InvalidInputException(source + " holds no graph; is it an ONNX model (.onnx)?");
            }
            return model;
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidInputException(source + " is damaged or not an ONNX model: " + e.getMessage(), e);
        }
    }

    /** The model, with parameter Constants turned into initializers. */
    ModelProto proto() {
        return proto;
    }

    /** The nodes, each after the producers of its inputs. */
    List<NodeProto> order() {
        return order;
    }

    TensorProto initializer(String name) {
        return initializers.get(name);
    }

    boolean isInitializer(String name) {
        return initializers.containsKey(name);
    }

    /** The node that outputs {@code tensor}, or null for inputs and initializers. */
    NodeProto producer(String tensor) {
        return producers.get(tensor);
    }

    /** The nodes that read {@code tensor}, in the file's order. */
    List<NodeProto> consumers(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    /** The graph's one data input: an input that is not an initializer. */
    ValueInfoProto dataInput() {
        List<ValueInfoProto> inputs = graph.getInputList().stream()
                .filter(value -> !initializers.containsKey(value.getName()))
                .toList();
        if (inputs.size() != 1) {
            throw errors.apply("the graph has " + inputs.size() + " data inputs "
                    + inputs.stream().map(ValueInfoProto::getName).toList() + "; lc4j imports nets with one input");
        }
        return inputs.get(0);
    }

    /** The graph's one output, the class scores. */
    String output() {
        if (graph.getOutputCount() != 1) {
            throw errors.apply("the graph has " + graph.getOutputCount() + " outputs "
                    + graph.getOutputList().stream()
                            .map(ValueInfoProto::getName)
                            .toList()
                    + "; lc4j imports nets with one output (the class scores)");
        }
        return graph.getOutput(0).getName();
    }

    /**
     * Kahn's order, taking the earliest ready node in the file first. A tensor that is neither a graph input, an
     * initializer nor a node's output, and a cycle, are errors naming the nodes.
     */
    private List<NodeProto> topologicalOrder() {
        Set<String> given = new java.util.HashSet<>(initializers.keySet());
        graph.getInputList().forEach(value -> given.add(value.getName()));
        Map<NodeProto, Integer> waiting = new LinkedHashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            int pending = 0;
            for (String input : node.getInputList()) {
                if (input.isEmpty() || given.contains(input)) {
                    continue;
                }
                if (!producers.containsKey(input)) {
                    throw errors.apply(describe(node) + " reads tensor '" + input + "', which no node produces and"
                            + " which is neither a graph input nor an initializer");
                }
                pending++;
            }
            waiting.put(node, pending);
        }
        Map<NodeProto, Integer> position = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            position.putIfAbsent(node, position.size());
        }
        // the earliest ready node first: a file already in order keeps its order
        java.util.PriorityQueue<NodeProto> ready =
                new java.util.PriorityQueue<>(java.util.Comparator.comparingInt(position::get));
        waiting.forEach((node, pending) -> {
            if (pending == 0) {
                ready.add(node);
            }
        });
        List<NodeProto> sorted = new ArrayList<>();
        while (!ready.isEmpty()) {
            NodeProto node = ready.poll();
            sorted.add(node);
            for (String output : node.getOutputList()) {
                // a reader counted each computed input once, as consumers() lists it
                for (NodeProto reader : output.isEmpty() ? List.<NodeProto>of() : consumers(output)) {
                    if (waiting.merge(reader, -1, Integer::sum) == 0) {
                        ready.add(reader);
                    }
                }
            }
        }
        if (sorted.size() < graph.getNodeCount()) {
            List<String> stuck = waiting.entrySet().stream()
                    .filter(entry -> entry.getValue() > 0)
                    .map(entry -> describe(entry.getKey()))
                    .limit(8)
                    .toList();
            throw errors.apply("the graph has a cycle: " + stuck + " wait on one another's outputs");
        }
        return List.copyOf(sorted);
    }

    /**
     * Returns {@code model} with every parameter owned by one node, as lc4j trains it: an Identity
     * of an initializer (PyTorch's exporter writes one for each parameter equal to an earlier one)
     * becomes an initializer of its own, and an initializer several layers read is copied for each
     * reader after the first. Training may then give each its own values, and an export writes
     * them apart.
     */
    private static ModelProto ownParameters(ModelProto model, Set<String> parameterUsers) {
        GraphProto graph = model.getGraph();
        Map<String, TensorProto> initializers = new LinkedHashMap<>();
        graph.getInitializerList().forEach(tensor -> initializers.put(tensor.getName(), tensor));
        Map<String, List<NodeProto>> readers = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            for (String input : node.getInputList()) {
                readers.computeIfAbsent(input, name -> new ArrayList<>()).add(node);
            }
        }
        boolean changed = false;
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            boolean aliasOfParameter = node.getOpType().equals("Identity")
                    && node.getInputCount() == 1
                    && node.getOutputCount() == 1
                    && initializers.containsKey(node.getInput(0))
                    && readers.getOrDefault(node.getOutput(0), List.of()).stream()
                            .allMatch(reader -> parameterUsers.contains(reader.getOpType()));
            if (aliasOfParameter) {
                TensorProto copy = initializers.get(node.getInput(0)).toBuilder()
                        .setName(node.getOutput(0))
                        .build();
                initializers.put(copy.getName(), copy);
                changed = true;
            } else {
                nodes.add(node);
            }
        }
        OnnxProtos.Names names = new OnnxProtos.Names(graph);
        Set<String> owned = new java.util.HashSet<>();
        for (int index = 0; index < nodes.size(); index++) {
            NodeProto node = nodes.get(index);
            if (!parameterUsers.contains(node.getOpType())) {
                continue;
            }
            NodeProto.Builder rewritten = null;
            for (int i = 1; i < node.getInputCount(); i++) {
                String input = node.getInput(i);
                if (initializers.containsKey(input) && !owned.add(input)) {
                    String name = names.fresh(input + "_copy");
                    initializers.put(
                            name,
                            initializers.get(input).toBuilder().setName(name).build());
                    rewritten = (rewritten == null ? node.toBuilder() : rewritten).setInput(i, name);
                    owned.add(name);
                }
            }
            if (rewritten != null) {
                nodes.set(index, rewritten.build());
                changed = true;
            }
        }
        if (!changed) {
            return model;
        }
        ModelProto.Builder builder = model.toBuilder();
        builder.getGraphBuilder()
                .clearNode()
                .addAllNode(nodes)
                .clearInitializer()
                .addAllInitializer(initializers.values());
        return builder.build();
    }

    /**
     * Returns {@code model} with every Transpose of a constant float tensor that only layers read
     * as a parameter (e.g. {@code MatMul(x, Transpose(W))}, a kernel stored in another layout)
     * replaced by an initializer holding the transposed values, named as the Transpose's output.
     * A source (initializer or Constant node) nobody reads any more is dropped, so a file written
     * back holds each weight once.
     */
    private static ModelProto transposedParameters(ModelProto model, Set<String> parameterUsers, Path folder) {
        GraphProto graph = model.getGraph();
        Map<String, TensorProto> constants = new LinkedHashMap<>();
        graph.getInitializerList().forEach(tensor -> constants.put(tensor.getName(), tensor));
        for (NodeProto node : graph.getNodeList()) {
            AttributeProto value = node.getOpType().equals("Constant") ? attribute(node, "value") : null;
            if (value != null && node.getOutputCount() == 1) {
                constants.putIfAbsent(node.getOutput(0), value.getT());
            }
        }
        Map<String, List<Map.Entry<NodeProto, Integer>>> readers = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            for (int i = 0; i < node.getInputCount(); i++) {
                readers.computeIfAbsent(node.getInput(i), name -> new ArrayList<>())
                        .add(Map.entry(node, i));
            }
        }
        List<TensorProto> folded = new ArrayList<>();
        Set<NodeProto> replaced = new java.util.HashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            TensorProto source =
                    node.getOpType().equals("Transpose") && node.getInputCount() == 1 && node.getOutputCount() == 1
                            ? constants.get(node.getInput(0))
                            : null;
            boolean parameter = source != null
                    && source.getDataType() == TensorProto.DataType.FLOAT_VALUE
                    && readers.getOrDefault(node.getOutput(0), List.of()).stream()
                            .allMatch(reader -> reader.getValue() > 0
                                    && parameterUsers.contains(reader.getKey().getOpType()));
            if (!parameter) {
                continue;
            }
            String what = describe(node) + "'s input '" + node.getInput(0) + "'";
            long[] dims = OnnxTensors.dims(source);
            int[] perm = permutation(node, dims.length, what);
            float[] values = OnnxTensors.permute(OnnxTensors.floats(source, folder, what), dims, perm);
            folded.add(OnnxTensors.floatTensor(node.getOutput(0), OnnxTensors.permutedDims(dims, perm), values));
            replaced.add(node);
        }
        if (folded.isEmpty()) {
            return model;
        }
        Set<String> stillRead = new java.util.HashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            if (!replaced.contains(node)) {
                stillRead.addAll(node.getInputList());
            }
        }
        graph.getOutputList().forEach(output -> stillRead.add(output.getName()));
        Set<String> dropped = new java.util.HashSet<>();
        for (NodeProto transpose : replaced) {
            if (!stillRead.contains(transpose.getInput(0))) {
                dropped.add(transpose.getInput(0));
            }
        }
        List<NodeProto> nodes = graph.getNodeList().stream()
                .filter(node -> !replaced.contains(node))
                .filter(node -> !(node.getOpType().equals("Constant")
                        && node.getOutputCount() == 1
                        && dropped.contains(node.getOutput(0))))
                .toList();
        List<TensorProto> initializers = new ArrayList<>(graph.getInitializerList().stream()
                .filter(tensor -> !dropped.contains(tensor.getName()))
                .toList());
        initializers.addAll(folded);
        ModelProto.Builder builder = model.toBuilder();
        // files of IR version 3 list initializers among the graph's inputs too
        List<ai.onnx.proto.OnnxMl.ValueInfoProto> inputs = graph.getInputList().stream()
                .filter(input -> !dropped.contains(input.getName()))
                .toList();
        builder.getGraphBuilder()
                .clearNode()
                .addAllNode(nodes)
                .clearInitializer()
                .addAllInitializer(initializers)
                .clearInput()
                .addAllInput(inputs);
        return builder.build();
    }

    /** Transpose's {@code perm} for a tensor of {@code rank} axes: reversed when absent, checked. */
    private static int[] permutation(NodeProto node, int rank, String what) {
        AttributeProto attribute = attribute(node, "perm");
        int[] perm = new int[rank];
        if (attribute == null) {
            for (int axis = 0; axis < rank; axis++) {
                perm[axis] = rank - 1 - axis;
            }
            return perm;
        }
        boolean[] seen = new boolean[rank];
        boolean valid = attribute.getIntsCount() == rank;
        for (int axis = 0; valid && axis < rank; axis++) {
            long from = attribute.getInts(axis);
            valid = from >= 0 && from < rank && !seen[(int) from];
            if (valid) {
                seen[(int) from] = true;
                perm[axis] = (int) from;
            }
        }
        if (!valid) {
            throw new InvalidInputException(describe(node) + " has perm " + attribute.getIntsList() + ", which is not a"
                    + " permutation of the " + rank + " axes of " + what + "; write each axis 0.." + (rank - 1)
                    + " once");
        }
        return perm;
    }

    /**
     * Returns {@code model} with every Constant node that holds a parameter (a float tensor read
     * only by {@code parameterUsers} as a non-first input) turned into an initializer of the same
     * name, so that parameters have one home whatever the exporter chose.
     */
    private static ModelProto constantsAsInitializers(ModelProto model, Set<String> parameterUsers) {
        GraphProto graph = model.getGraph();
        Map<String, List<NodeProto>> users = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            for (int i = 1; i < node.getInputCount(); i++) {
                users.computeIfAbsent(node.getInput(i), name -> new ArrayList<>())
                        .add(node);
            }
        }
        List<NodeProto> kept = new ArrayList<>();
        List<TensorProto> moved = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            AttributeProto value = node.getOpType().equals("Constant") ? attribute(node, "value") : null;
            List<NodeProto> readers = node.getOutputCount() == 1 ? users.get(node.getOutput(0)) : null;
            boolean parameter = value != null
                    && value.getT().getDataType() == TensorProto.DataType.FLOAT_VALUE
                    && readers != null
                    && readers.stream().allMatch(reader -> parameterUsers.contains(reader.getOpType()));
            if (parameter) {
                moved.add(value.getT().toBuilder().setName(node.getOutput(0)).build());
            } else {
                kept.add(node);
            }
        }
        if (moved.isEmpty()) {
            return model;
        }
        ModelProto.Builder builder = model.toBuilder();
        builder.getGraphBuilder().clearNode().addAllNode(kept).addAllInitializer(moved);
        return builder.build();
    }
}
