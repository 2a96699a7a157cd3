package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.support.Checks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Immutable description of a classifier as a graph of named nodes in topological order, with a
 * softmax cross-entropy loss over the last node's outputs. Building one compiles the graph once
 * into the plan every backend reads ({@link #steps()}): each tensor's shape, its consumers, which
 * tensors need gradients and when each is last used. A chain of {@link Layer}s is a shorthand
 * that builds nodes ({@link #of}).
 *
 * <p>Tensors are numbered: 0 is the model's input ({@link #INPUT}), {@code i + 1} is the output of
 * node {@code i}.
 */
public final class ModelSpec {
    /** The name of the model's input tensor. */
    public static final String INPUT = "input";

    private final String name;
    private final int[] inputShape;
    private final List<Node> nodes;
    /** The layers a chain was built from; null for a graph. */
    private final List<Layer> layers;

    private final List<Step> steps;
    private final int[][] tensorShapes;
    private final boolean[] tensorNeedsGradient;
    private final int[] lastUse;
    private final int[][] consumers;
    private final Map<String, Integer> tensorIds = new HashMap<>();
    private final Map<String, ParameterSpec> parameters = new LinkedHashMap<>();

    /**
     * One node of the plan, with everything a backend needs to run it.
     *
     * @param index         the node's position in topological order
     * @param node          the node
     * @param inputs        the ids of the tensors it reads
     * @param inputShapes   their per-sample shapes
     * @param inputGradient for each input, whether backpropagation must compute its gradient
     * @param outputShape   the per-sample shape of its output (tensor {@code index + 1})
     */
    public record Step(
            int index, Node node, int[] inputs, List<int[]> inputShapes, boolean[] inputGradient, int[] outputShape) {
        /** Returns the id of the tensor this step writes. */
        public int output() {
            return index + 1;
        }

        /** Returns the node's op. */
        public Op op() {
            return node.op();
        }

        /** Returns the node's name. */
        public String name() {
            return node.name();
        }

        /** Returns the per-sample shape of input {@code i}. */
        public int[] inputShape(int i) {
            return inputShapes.get(i).clone();
        }

        /** Returns the number of values per sample of input {@code i}. */
        public int inputSize(int i) {
            return Checks.elementCount(inputShapes.get(i));
        }

        /** Returns the number of values per sample of the output. */
        public int outputSize() {
            return Checks.elementCount(outputShape);
        }

        /** Returns the name of this node's parameter with {@code role}. */
        public String parameter(ParameterSpec.Role role) {
            return ParameterSpec.nameOf(node.name(), role);
        }

        @Override
        public int[] outputShape() {
            return outputShape.clone();
        }

        @Override
        public int[] inputs() {
            return inputs.clone();
        }

        @Override
        public boolean[] inputGradient() {
            return inputGradient.clone();
        }

        /** Whether backpropagation must compute the gradient of input {@code i}. */
        public boolean needsInputGradient(int i) {
            return inputGradient[i];
        }

        /** Returns the id of the tensor input {@code i} reads. */
        public int input(int i) {
            return inputs[i];
        }

        @Override
        public String toString() {
            return "node " + node.name() + " (" + node.op() + ")";
        }
    }

    private ModelSpec(String name, int[] inputShape, List<Node> nodes, List<Layer> layers) {
        this.name = name;
        this.inputShape = inputShape;
        this.nodes = List.copyOf(nodes);
        this.layers = layers == null ? null : List.copyOf(layers);
        int tensorCount = nodes.size() + 1;
        tensorShapes = new int[tensorCount][];
        tensorNeedsGradient = new boolean[tensorCount];
        lastUse = new int[tensorCount];
        List<List<Integer>> readers = new ArrayList<>();
        tensorShapes[0] = inputShape;
        tensorIds.put(INPUT, 0);
        readers.add(new ArrayList<>());
        List<Step> compiled = new ArrayList<>();
        for (int index = 0; index < nodes.size(); index++) {
            Node node = nodes.get(index);
            String where = "model " + name + (layers == null ? "" : ", layer " + index) + ", node " + node.name() + " ("
                    + node.op() + ")";
            checkArgument(
                    !tensorIds.containsKey(node.name()),
                    "%s: the name is already used by %s",
                    where,
                    node.name().equals(INPUT) ? "the model's input" : "an earlier node");
            int[] inputIds = new int[node.inputs().size()];
            List<int[]> inputShapes = new ArrayList<>();
            boolean[] inputGradient = new boolean[inputIds.length];
            boolean needsGradient = false;
            for (int i = 0; i < inputIds.length; i++) {
                String input = node.inputs().get(i);
                Integer id = tensorIds.get(input);
                if (id == null) {
                    throw new IllegalArgumentException(where + ": input '" + input
                            + "' is neither the model's input nor an earlier node; nodes must be in topological"
                            + " order, and the known tensors are " + tensorIds.keySet());
                }
                inputIds[i] = id;
                inputShapes.add(tensorShapes[id].clone());
                inputGradient[i] = tensorNeedsGradient[id];
                needsGradient |= tensorNeedsGradient[id];
                lastUse[id] = index;
                readers.get(id).add(index);
            }
            int[] outputShape;
            try {
                outputShape = node.op().outputShape(inputShapes);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            for (Op.Declared declared : node.op().parameters(inputShapes)) {
                String parameterName = ParameterSpec.nameOf(node.name(), declared.role());
                parameters.put(
                        parameterName,
                        new ParameterSpec(parameterName, node.name(), declared.role(), declared.shape()));
                needsGradient |= declared.role().trainable();
            }
            int output = index + 1;
            tensorIds.put(node.name(), output);
            tensorShapes[output] = outputShape;
            tensorNeedsGradient[output] = needsGradient;
            lastUse[output] = nodes.size();
            readers.add(new ArrayList<>());
            compiled.add(new Step(index, node, inputIds, List.copyOf(inputShapes), inputGradient, outputShape));
        }
        steps = List.copyOf(compiled);
        consumers = new int[tensorCount][];
        for (int id = 0; id < tensorCount; id++) {
            consumers[id] = readers.get(id).stream().mapToInt(Integer::intValue).toArray();
        }
        for (int id = 1; id < tensorCount - 1; id++) {
            checkArgument(
                    consumers[id].length > 0,
                    "model %s: the output of node %s is never read; only the last node may be unused",
                    name,
                    nodes.get(id - 1).name());
        }
        int[] scores = tensorShapes[tensorCount - 1];
        checkArgument(
                scores.length == 1 && scores[0] >= 2,
                "model %s: the last node must output a vector of at least 2 class scores, got shape %s",
                name,
                Arrays.toString(scores));
        checkArgument(
                parameters.values().stream().anyMatch(ParameterSpec::trainable),
                "model %s has no trainable node",
                name);
    }

    /**
     * Creates a chain: each layer reads the previous one's output.
     *
     * @param name       a display name, e.g. {@code lenet300}
     * @param inputShape per-sample input shape: {@code [features]} or {@code [C, H, W]}
     * @param layers     the layers in order; the last must output the class scores
     * @throws IllegalArgumentException naming the first layer that does not fit
     */
    public static ModelSpec of(String name, int[] inputShape, List<Layer> layers) {
        requireNonNull(layers, "layers is null");
        checkArgument(!layers.isEmpty(), "model %s has no layers", name);
        List<Node> nodes = new ArrayList<>();
        java.util.Set<String> named = new java.util.HashSet<>();
        for (Layer layer : layers) {
            Layer.named(layer).ifPresent(named::add);
        }
        String previous = INPUT;
        for (int index = 0; index < layers.size(); index++) {
            Layer layer = layers.get(index);
            String nodeName = Layer.named(layer).orElse(null);
            if (nodeName == null) {
                nodeName = layer.kind() + index;
                while (named.contains(nodeName)) {
                    nodeName = "_" + nodeName;
                }
            }
            nodes.add(new Node(nodeName, layer.toOp(), List.of(previous)));
            previous = nodeName;
        }
        return create(name, inputShape, nodes, layers);
    }

    /**
     * Creates a model from nodes in topological order; the last node outputs the class scores.
     *
     * @throws IllegalArgumentException naming the first node that does not fit or reads an unknown tensor
     */
    public static ModelSpec graph(String name, int[] inputShape, List<Node> nodes) {
        requireNonNull(nodes, "nodes is null");
        checkArgument(!nodes.isEmpty(), "model %s has no nodes", name);
        return create(name, inputShape, nodes, null);
    }

    private static ModelSpec create(String name, int[] inputShape, List<Node> nodes, List<Layer> layers) {
        requireNonNull(name, "name is null");
        requireNonNull(inputShape, "inputShape is null");
        checkArgument(
                inputShape.length == 1 || inputShape.length == 3,
                "model %s: input shape must be [features] or [C,H,W], got %s",
                name,
                Arrays.toString(inputShape));
        Checks.elementCount(inputShape);
        return new ModelSpec(name, inputShape.clone(), nodes, layers);
    }

    /** Returns a builder for a graph model. */
    public static Builder builder(String name, int[] inputShape) {
        return new Builder(name, inputShape);
    }

    /** Builds a graph node by node; each {@code add} returns the new node's name for later inputs. */
    public static final class Builder {
        private final String name;
        private final int[] inputShape;
        private final List<Node> nodes = new ArrayList<>();

        private Builder(String name, int[] inputShape) {
            this.name = requireNonNull(name, "name is null");
            this.inputShape = requireNonNull(inputShape, "inputShape is null").clone();
        }

        /** Adds a node and returns its name. */
        public String add(String nodeName, Op op, String... inputs) {
            nodes.add(Node.of(nodeName, op, inputs));
            return nodeName;
        }

        /** Returns the nodes added so far. */
        public List<Node> nodes() {
            return Collections.unmodifiableList(nodes);
        }

        /** Compiles the model. */
        public ModelSpec build() {
            return graph(name, inputShape, nodes);
        }
    }

    /**
     * Returns the per-sample output shape of {@code layer} given its per-sample input shape, as a
     * model holding it would infer it: for building a model layer by layer from another format.
     *
     * @throws IllegalArgumentException when the layer does not fit the input
     */
    public static int[] outputShape(Layer layer, int[] inputShape) {
        requireNonNull(layer, "layer is null");
        requireNonNull(inputShape, "inputShape is null");
        try {
            return layer.toOp().outputShape(List.of(inputShape.clone()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer " + layer + ": " + e.getMessage(), e);
        }
    }

    /** Returns the display name. */
    public String name() {
        return name;
    }

    /** Returns a copy of the per-sample input shape. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** Returns the number of input values per sample. */
    public int inputSize() {
        return Checks.elementCount(inputShape);
    }

    /** Returns the number of classes (outputs of the last node). */
    public int classCount() {
        return tensorShapes[tensorShapes.length - 1][0];
    }

    /** Returns the nodes in topological order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** Returns the compiled plan: one step per node, in topological order. */
    public List<Step> steps() {
        return steps;
    }

    /** Whether the model was built as a chain of layers ({@link #of}). */
    public boolean isChain() {
        return layers != null;
    }

    /**
     * Returns the layers of a chain.
     *
     * @throws UnsupportedOperationException for a graph model, which has nodes only
     */
    public List<Layer> layers() {
        if (layers == null) {
            throw new UnsupportedOperationException(
                    "model " + name + " is a graph, not a chain of layers; read its nodes() instead");
        }
        return layers;
    }

    /** Returns the number of tensors: the input plus one per node. */
    public int tensorCount() {
        return tensorShapes.length;
    }

    /** Returns a copy of the per-sample shape of tensor {@code id}. */
    public int[] tensorShape(int id) {
        return tensorShapes[id].clone();
    }

    /** Returns the number of values per sample of tensor {@code id}. */
    public int tensorSize(int id) {
        return Checks.elementCount(tensorShapes[id]);
    }

    /** Returns the id of the tensor called {@code tensorName}, or throws listing the known names. */
    public int tensorId(String tensorName) {
        Integer id = tensorIds.get(tensorName);
        if (id == null) {
            throw new InvalidInputException(
                    "model " + name + " has no tensor '" + tensorName + "'; it has " + tensorIds.keySet());
        }
        return id;
    }

    /** Returns the indices of the nodes that read tensor {@code id}, in order. */
    public int[] consumers(int id) {
        return consumers[id].clone();
    }

    /** Whether the loss depends on a trainable parameter through tensor {@code id}. */
    public boolean needsGradient(int id) {
        return tensorNeedsGradient[id];
    }

    /** Returns the index of the last node that reads tensor {@code id}; the node count for the output. */
    public int lastUse(int id) {
        return lastUse[id];
    }

    /** Returns copies of the per-sample output shape of each node, in node order. */
    public List<int[]> activationShapes() {
        List<int[]> copies = new ArrayList<>(steps.size());
        for (Step step : steps) {
            copies.add(step.outputShape());
        }
        return copies;
    }

    /**
     * Returns, for each node, whether backpropagation must compute the gradient of its first
     * input: true exactly when a trainable parameter lies upstream of it.
     */
    public boolean[] inputGradientNeeded() {
        boolean[] needed = new boolean[steps.size()];
        for (Step step : steps) {
            needed[step.index()] = step.inputGradient[0];
        }
        return needed;
    }

    /** Returns every parameter in node order, trained ones and running statistics alike. */
    public List<ParameterSpec> parameters() {
        return List.copyOf(parameters.values());
    }

    /** Returns the parameters SGD updates (not the running statistics), in node order. */
    public List<ParameterSpec> trainableParameters() {
        return parameters.values().stream().filter(ParameterSpec::trainable).toList();
    }

    /** Returns the parameters that are state, not trained (batch normalization's running statistics), in node order. */
    public List<ParameterSpec> runningStatistics() {
        return parameters.values().stream().filter(spec -> !spec.trainable()).toList();
    }

    /** Returns the parameter called {@code parameterName}, or throws listing the known names. */
    public ParameterSpec parameter(String parameterName) {
        ParameterSpec spec = parameters.get(parameterName);
        if (spec == null) {
            throw new InvalidInputException(
                    "model " + name + " has no parameter '" + parameterName + "'; it has " + parameters.keySet());
        }
        return spec;
    }

    /** Returns the total number of stored values, running statistics included. */
    public long parameterCount() {
        long count = 0;
        for (ParameterSpec spec : parameters.values()) {
            count += spec.size();
        }
        return count;
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(inputShape) + " " + (layers != null ? layers : nodes);
    }
}
