package io.github.lc4j.onnx;

import static io.github.lc4j.onnx.OnnxProtos.describe;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Node;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One import in progress: which ONNX tensor is which lc4j tensor, the lc4j nodes built so far, the
 * parameter values in lc4j's layouts and where each lives in the file. {@link OpImporters} fill it,
 * one ONNX node at a time, in topological order.
 */
final class GraphImport {
    /** An activation as lc4j holds it: the lc4j tensor (the model's input or a node) and its per-sample shape. */
    record Tensor(String name, int[] shape) {}

    final OnnxGraph graph;
    final ShapeEvaluator constants;
    final boolean foldBatchNorm;
    final long opset;
    private final Path folder;
    private final String source;
    private final Map<String, Tensor> tensors = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Integer> nodeIndex = new HashMap<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final List<OnnxModel.Binding> bindings = new ArrayList<>();
    private final List<OnnxModel.NormalizationBinding> normalizations = new ArrayList<>();
    private final Set<NodeProto> absorbed = new HashSet<>();
    private int[] inputShape;

    GraphImport(OnnxGraph graph, boolean foldBatchNorm, Path folder, String source) {
        this.graph = graph;
        this.foldBatchNorm = foldBatchNorm;
        this.folder = folder;
        this.source = source;
        this.opset = OnnxProtos.defaultOpset(graph.proto());
        this.constants = new ShapeEvaluator(graph, this::shapeOrNull, this::error);
        names.add(ModelSpec.INPUT);
    }

    // ------------------------------------------------------------------------------- tensors

    /** Maps the graph's data input. */
    void input(String onnxName, int[] shape) {
        inputShape = shape;
        tensors.put(onnxName, new Tensor(ModelSpec.INPUT, shape));
    }

    boolean isActivation(String onnxName) {
        return tensors.containsKey(onnxName);
    }

    /** The activation {@code node} reads as input {@code index}; an error when it is a constant. */
    Tensor activation(NodeProto node, int index) {
        String name = index < node.getInputCount() ? node.getInput(index) : "";
        Tensor tensor = tensors.get(name);
        if (tensor == null) {
            throw error(describe(node) + " reads '" + name + "' as input " + index + ", which is "
                    + (constants.isConstant(name) ? "a constant" : "not computed from the net's input")
                    + "; lc4j imports " + node.getOpType() + " over computed tensors there");
        }
        return tensor;
    }

    /** The per-sample shape of ONNX tensor {@code onnxName} when it is an activation, else null. */
    int[] shapeOrNull(String onnxName) {
        Tensor tensor = tensors.get(onnxName);
        return tensor == null ? null : tensor.shape();
    }

    /** The lc4j tensor the graph's output is, or an error when it is no activation. */
    Tensor output(String onnxName) {
        Tensor tensor = tensors.get(onnxName);
        if (tensor == null) {
            throw error("the graph's output '" + onnxName + "' is not computed from its input");
        }
        return tensor;
    }

    /** Maps {@code node}'s first output to {@code tensor}: the node computes nothing lc4j keeps. */
    void alias(NodeProto node, Tensor tensor) {
        checkSingleOutput(node);
        tensors.put(node.getOutput(0), tensor);
    }

    /** Marks {@code node} as imported as part of another node (a bias Add after MatMul). */
    void absorb(NodeProto node) {
        absorbed.add(node);
    }

    boolean absorbed(NodeProto node) {
        return absorbed.contains(node);
    }

    // ------------------------------------------------------------------------------- nodes

    /**
     * Adds the lc4j node {@code name} computing {@code op} over {@code inputs}, as the value of
     * {@code node}'s output; returns the new tensor.
     */
    Tensor add(NodeProto node, String name, Op op, Tensor... inputs) {
        checkSingleOutput(node);
        Tensor tensor = addNode(node, name, op, inputs);
        tensors.put(node.getOutput(0), tensor);
        return tensor;
    }

    /** Adds an lc4j node that no ONNX tensor names (a Flatten after a keepdims-0 ReduceMean). */
    Tensor addNode(NodeProto node, String name, Op op, Tensor... inputs) {
        List<int[]> shapes = Arrays.stream(inputs).map(Tensor::shape).toList();
        int[] shape;
        try {
            shape = op.outputShape(shapes);
        } catch (IllegalArgumentException e) {
            throw error(describe(node) + ": " + e.getMessage(), e);
        }
        nodeIndex.put(name, nodes.size());
        nodes.add(new Node(name, op, Arrays.stream(inputs).map(Tensor::name).toList()));
        return new Tensor(name, shape);
    }

    /** Replaces the op of the lc4j node {@code name} (a dense or convolution node given a bias). */
    void replaceOp(String name, Op op) {
        int index = nodeIndex.get(name);
        Node old = nodes.get(index);
        nodes.set(index, new Node(name, op, old.inputs()));
    }

    Op op(String name) {
        return nodes.get(nodeIndex.get(name)).op();
    }

    /**
     * Maps {@code node}'s output to {@code input} in per-sample shape {@code target}: the same
     * tensor when the shapes agree, else a Flatten (to a vector) or a Reshape node.
     */
    void reshape(NodeProto node, Tensor input, int[] target) {
        if (Arrays.equals(input.shape(), target)) {
            alias(node, input);
        } else if (target.length == 1 && input.shape().length == 3) {
            add(node, name(node, null), new Op.Flatten(), input);
        } else if (target.length == 1 || target.length == 3) {
            add(node, name(node, null), new Op.Reshape(target), input);
        } else {
            throw error(describe(node) + " makes per-sample shape " + Arrays.toString(target) + " of "
                    + Arrays.toString(input.shape()) + "; lc4j holds [features] or [channels, height, width]");
        }
    }

    /**
     * A fresh lc4j node name for {@code node}: its parameter's name without {@code .weight}
     * (PyTorch's {@code layer1.0.conv1}), else the node's name, else its output's.
     */
    String name(NodeProto node, String parameterName) {
        String base;
        if (parameterName != null && parameterName.endsWith(".weight")) {
            base = parameterName.substring(0, parameterName.length() - ".weight".length());
        } else if (!node.getName().isBlank()) {
            base = node.getName();
        } else {
            base = parameterName != null ? parameterName : node.getOutput(0);
        }
        base = base.replaceAll("[^A-Za-z0-9_.\\-]", "_").replaceAll("^_+", "");
        if (base.isBlank()) {
            base = node.getOpType().toLowerCase(java.util.Locale.ROOT);
        }
        String name = base;
        for (int suffix = 2; !names.add(name); suffix++) {
            name = base + "_" + suffix;
        }
        return name;
    }

    // ------------------------------------------------------------------------------- parameters

    /**
     * The initializer {@code name} that {@code where} reads as its {@code role}; it must be in the
     * file and read by no other node.
     */
    TensorProto parameter(String name, String where, String role) {
        TensorProto tensor = graph.initializer(name);
        if (tensor == null) {
            throw error(where + ": its " + role + " '" + name + "' is not an initializer; lc4j imports layers whose"
                    + " parameters are stored in the file");
        }
        OnnxTensors.elementCount(OnnxTensors.dims(tensor), "initializer '" + name + "'");
        if (graph.consumers(name).size() > 1) {
            throw error(where + ": its " + role + " '" + name + "' is used by another operator too; lc4j imports"
                    + " nets whose layers own their parameters");
        }
        return tensor;
    }

    float[] floats(TensorProto tensor) {
        return OnnxTensors.floats(tensor, folder, "initializer '" + tensor.getName() + "'");
    }

    void value(String node, ParameterSpec.Role role, float[] value) {
        values.put(ParameterSpec.nameOf(node, role), value);
    }

    float[] value(String node, ParameterSpec.Role role) {
        return values.get(ParameterSpec.nameOf(node, role));
    }

    void bind(OnnxModel.Binding binding) {
        bindings.add(binding);
    }

    /** The binding of the dense or convolution layer whose ONNX output is {@code onnxTensor}, if any. */
    Optional<OnnxModel.Binding> layerWithOutput(String onnxTensor) {
        return bindings.stream()
                .filter(binding -> binding.layerOutput().equals(onnxTensor))
                .findFirst();
    }

    void replaceBinding(OnnxModel.Binding old, OnnxModel.Binding binding) {
        bindings.set(bindings.indexOf(old), binding);
    }

    void bind(OnnxModel.NormalizationBinding binding) {
        normalizations.add(binding);
    }

    // ------------------------------------------------------------------------------- result

    /**
     * The model: a chain (as {@link ModelSpec#of}) when every node reads the one before it and is
     * one of a chain's layers, else a graph.
     */
    OnnxModel build(String modelName, Tensor output) {
        if (nodes.isEmpty() || !nodes.get(nodes.size() - 1).name().equals(output.name())) {
            throw error("the graph's output is not its last computed tensor; lc4j imports nets whose every"
                    + " computed tensor leads to the class scores");
        }
        ModelSpec spec;
        try {
            List<Layer> layers = asChain();
            spec = layers != null
                    ? ModelSpec.of(modelName, inputShape, layers)
                    : ModelSpec.graph(modelName, inputShape, nodes);
        } catch (IllegalArgumentException e) {
            throw error("the graph is not a classifier lc4j can train: " + e.getMessage(), e);
        }
        return new OnnxModel(graph.proto(), folder, spec, Weights.of(spec, values), bindings, normalizations);
    }

    /** The nodes as chain layers with the same parameter names, or null when they are not a chain. */
    private List<Layer> asChain() {
        List<Layer> layers = new ArrayList<>();
        String previous = ModelSpec.INPUT;
        for (Node node : nodes) {
            if (!node.inputs().equals(List.of(previous))) {
                return null;
            }
            Layer layer = asLayer(node);
            if (layer == null || !layer.toOp().equals(node.op())) {
                return null;
            }
            layers.add(layer);
            previous = node.name();
        }
        return layers;
    }

    private static Layer asLayer(Node node) {
        Op op = node.op();
        if (op instanceof Op.Dense dense) {
            return Layer.dense(node.name(), dense.units());
        } else if (op instanceof Op.Conv2d conv) {
            io.github.lc4j.api.Window w = conv.window();
            return w.kernelHeight() == w.kernelWidth() && w.strideHeight() == w.strideWidth()
                    ? Layer.conv2d(node.name(), conv.filters(), w.kernelHeight(), w.strideHeight(), w.padTop())
                    : null;
        } else if (op instanceof Op.MaxPool pool) {
            io.github.lc4j.api.Window w = pool.window();
            return w.kernelHeight() == w.kernelWidth() && w.strideHeight() == w.strideWidth()
                    ? Layer.maxPool(w.kernelHeight(), w.strideHeight())
                    : null;
        } else if (op instanceof Op.Relu) {
            return Layer.relu();
        } else if (op instanceof Op.Tanh) {
            return Layer.tanh();
        } else if (op instanceof Op.Flatten) {
            return Layer.flatten();
        }
        return null;
    }

    // ------------------------------------------------------------------------------- errors

    private void checkSingleOutput(NodeProto node) {
        for (int i = 1; i < node.getOutputCount(); i++) {
            String extra = node.getOutput(i);
            if (!extra.isEmpty() && (!graph.consumers(extra).isEmpty() || isGraphOutput(extra))) {
                throw error(describe(node) + " has its output " + i + " ('" + extra + "') used; lc4j imports "
                        + node.getOpType() + " as inference, with one output");
            }
        }
    }

    private boolean isGraphOutput(String name) {
        return graph.proto().getGraph().getOutputList().stream()
                .anyMatch(value -> value.getName().equals(name));
    }

    InvalidInputException error(String message) {
        return new InvalidInputException(source + ": " + message);
    }

    InvalidInputException error(String message, Throwable cause) {
        return new InvalidInputException(source + ": " + message, cause);
    }
}
