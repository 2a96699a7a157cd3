package io.github.lc4j.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a feed-forward ONNX classifier into an {@link OnnxModel}. The graph must be one chain
 * from its single input to its single output of Gemm, MatMul (+ Add), Conv, MaxPool, Relu, Tanh,
 * Flatten and Reshape-to-{@code [batch, -1]} (its shape given as a constant or computed by the
 * Shape → Gather → Unsqueeze → Concat chain that PyTorch's exporter writes). Anything else is one
 * error that lists every unsupported operator; nothing is half imported.
 */
public final class OnnxImporter {
    /** Operators on the chain from input to output. */
    private static final Set<String> LAYER_OPERATORS = Set.of(
            "Gemm",
            "MatMul",
            "Add",
            "Conv",
            "MaxPool",
            "Relu",
            "Tanh",
            "Flatten",
            "Reshape",
            "BatchNormalization",
            "Identity",
            "Dropout",
            "Softmax",
            "LogSoftmax");

    /** What the error messages say lc4j imports. */
    private static final String SUPPORTED = "Gemm, MatMul, Add (a bias after MatMul), Conv, MaxPool, Relu, Tanh,"
            + " Flatten, Reshape to [batch, -1], BatchNormalization after a layer, Identity, Dropout and a final"
            + " (Log)Softmax";

    /** Operators whose constant inputs are parameters, which a Constant node may hold. */
    private static final Set<String> PARAMETER_USERS = Set.of("Gemm", "MatMul", "Add", "Conv", "BatchNormalization");

    /** Operators that may only compute a Reshape's target shape. */
    private static final Set<String> SHAPE_OPERATORS =
            Set.of("Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Constant", "Cast");

    /** Marks the batch dimension in an evaluated shape. */
    private static final long BATCH = Long.MIN_VALUE;

    /** The largest model file read: protobuf's own limit for one message. */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE;

    private final ModelProto proto;
    private final String source;
    private final String modelName;
    private final Path folder;
    private final GraphProto graph;
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final Map<String, int[]> shapes = new HashMap<>();

    private OnnxImporter(ModelProto proto, String source, String modelName, Path folder) {
        // a compact file written by lc4j reads as the graph it was written from
        proto = constantsAsInitializers(Unpacking.expand(proto, source));
        this.proto = proto;
        this.source = source;
        this.modelName = modelName;
        this.folder = folder;
        this.graph = proto.getGraph();
    }

    /**
     * Reads {@code file}.
     *
     * @throws InvalidInputException naming the file and what is wrong with it: not ONNX, damaged,
     *                               an unsupported operator or structure, bad parameter data
     */
    public static OnnxModel read(Path file) {
        String name = file.getFileName().toString().replaceFirst("(?i)\\.onnx$", "");
        return new OnnxImporter(
                        parse(file),
                        "ONNX file " + file,
                        name.isBlank() ? "onnx" : name,
                        file.toAbsolutePath().getParent())
                .read();
    }

    /** Interprets a model built in memory; {@code name} names it in the ModelSpec and in errors. */
    static OnnxModel read(ModelProto proto, String name) {
        return new OnnxImporter(proto, "ONNX model " + name, name, null).read();
    }

    /**
     * Reads the ONNX model in {@code bytes}, whose weights are all in the model itself (no external
     * data files); {@code name} names it in the ModelSpec and in errors.
     *
     * @throws InvalidInputException naming {@code name} and what is wrong
     */
    public static OnnxModel read(byte[] bytes, String name) {
        String source = "ONNX model " + name;
        try {
            return new OnnxImporter(
                            parse(CodedInputStream.newInstance(bytes), bytes.length, source), source, name, null)
                    .read();
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + source + ": " + e, e);
        }
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

    private OnnxModel read() {
        try {
            return interpret();
        } catch (InvalidInputException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) {
                throw e;
            }
            throw error(e.getMessage(), e);
        }
    }

    /**
     * Returns {@code model} with every Constant node that holds a parameter (a weight, bias or
     * normalization statistic) turned into an initializer of the same name, so that parameters
     * have one home whatever the exporter chose.
     */
    private static ModelProto constantsAsInitializers(ModelProto model) {
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
                    && readers.stream().allMatch(reader -> PARAMETER_USERS.contains(reader.getOpType()));
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

    private OnnxModel interpret() {
        for (TensorProto initializer : graph.getInitializerList()) {
            initializers.put(initializer.getName(), initializer);
        }
        checkOperators();
        checkArity();
        for (NodeProto node : graph.getNodeList()) {
            for (String output : node.getOutputList()) {
                producers.put(output, node);
            }
            for (String input : node.getInputList()) {
                consumers.computeIfAbsent(input, name -> new ArrayList<>()).add(node);
            }
        }
        ValueInfoProto input = dataInput();
        int[] inputShape = perSampleShape(input);
        String output = singleOutput();

        List<Layer> layers = new ArrayList<>();
        List<OnnxModel.Binding> bindings = new ArrayList<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        Set<String> layerNames = new HashSet<>();
        String current = input.getName();
        int[] shape = inputShape;
        int steps = 0;
        shapes.put(current, shape);
        while (!current.equals(output)) {
            if (++steps > graph.getNodeCount()) {
                throw error("the graph has a cycle");
            }
            NodeProto node = nextOnChain(current);
            String where = describe(node);
            if (!node.getInput(0).equals(current)) {
                throw error(where + " takes '" + current + "' as input "
                        + node.getInputList().indexOf(current)
                        + "; lc4j imports layers that take the previous layer's output as their first input");
            }
            switch (node.getOpType()) {
                case "Gemm", "MatMul" -> {
                    requireVector(shape, where);
                    OnnxModel.Binding binding = dense(node, shape[0], layerNames, values);
                    bindings.add(binding);
                    int units = (int) (binding.transposed() ? binding.weightDims()[0] : binding.weightDims()[1]);
                    layers.add(Layer.dense(binding.layer(), units));
                    shape = new int[] {units};
                    current = binding.layerOutput();
                }
                case "Conv" -> {
                    OnnxModel.Binding binding = conv(node, shape, layerNames, values, layers);
                    bindings.add(binding);
                    shape = outputShape(layers.get(layers.size() - 1), shape);
                    current = node.getOutput(0);
                }
                case "MaxPool" -> {
                    layers.add(maxPool(node, shape));
                    shape = outputShape(layers.get(layers.size() - 1), shape);
                    current = node.getOutput(0);
                }
                case "Identity" -> current = node.getOutput(0);
                case "Dropout" -> {
                    if (node.getOutputCount() > 1
                            && !node.getOutput(1).isEmpty()
                            && consumers.containsKey(node.getOutput(1))) {
                        throw error(where + " has its mask output used; lc4j imports Dropout as inference (a no-op)");
                    }
                    if (node.getInputCount() > 2
                            && !node.getInput(2).isEmpty()
                            && !Arrays.equals(new long[] {0}, constantOrNull(node.getInput(2)))) {
                        throw error(where + " may run in training mode; lc4j imports Dropout as inference");
                    }
                    current = node.getOutput(0);
                }
                case "Softmax", "LogSoftmax" -> {
                    long axis = intAttribute(node, "axis", -1);
                    if (!node.getOutput(0).equals(output) || shape.length != 1 || (axis != 1 && axis != -1)) {
                        throw error(where + " is not the last operator over the class scores; lc4j imports a"
                                + " (Log)Softmax only there, where its loss already applies it");
                    }
                    current = node.getOutput(0);
                }
                case "BatchNormalization" -> {
                    OnnxModel.Binding last = bindings.isEmpty() ? null : bindings.get(bindings.size() - 1);
                    if (last == null
                            || last.normalization() != null
                            || !last.layerOutput().equals(current)) {
                        throw error(where + " does not directly follow a Conv, Gemm or MatMul; lc4j folds one"
                                + " BatchNormalization into the layer before it");
                    }
                    bindings.set(bindings.size() - 1, foldNormalization(node, last, values));
                    current = node.getOutput(0);
                }
                case "Relu" -> {
                    layers.add(Layer.relu());
                    current = node.getOutput(0);
                }
                case "Tanh" -> {
                    layers.add(Layer.tanh());
                    current = node.getOutput(0);
                }
                case "Flatten" -> {
                    long axis = intAttribute(node, "axis", 1);
                    if (axis != 1 && axis != 1 - (shape.length + 1)) {
                        throw error(where + " flattens from axis " + axis + "; lc4j imports Flatten with axis 1"
                                + " (keep the batch dimension)");
                    }
                    shape = flatten(shape, layers);
                    current = node.getOutput(0);
                }
                case "Reshape" -> {
                    checkFlatteningReshape(node, shape, where);
                    shape = flatten(shape, layers);
                    current = node.getOutput(0);
                }
                default ->
                    throw error(
                            where + " is on the path from input to output, where lc4j expects a layer: " + SUPPORTED);
            }
            shapes.put(current, shape);
        }
        ModelSpec spec;
        try {
            spec = ModelSpec.of(modelName, inputShape, layers);
        } catch (IllegalArgumentException e) {
            throw error("the graph is not a classifier lc4j can train: " + e.getMessage());
        }
        return new OnnxModel(proto, folder, spec, Weights.of(spec, values), bindings);
    }

    /**
     * Folds an inference BatchNormalization into the layer before it: per output channel
     * s = γ/√(σ² + ε), W ← s·W, b ← s·(b − μ) + β. Returns the layer's binding, which now names
     * the normalization so that an export removes it.
     */
    private OnnxModel.Binding foldNormalization(NodeProto node, OnnxModel.Binding layer, Map<String, float[]> values) {
        String where = describe(node);
        if (intAttribute(node, "training_mode", 0) != 0
                || node.getOutputList().stream().skip(1).anyMatch(output -> !output.isEmpty())) {
            throw error(where + " runs in training mode; lc4j folds inference BatchNormalization only");
        }
        if (node.getInputCount() != 5) {
            throw error(where + " has " + node.getInputCount() + " inputs; BatchNormalization needs X, scale, B,"
                    + " mean and var");
        }
        float[] weight = values.get(layer.layer() + ".weight");
        float[] bias = values.get(layer.layer() + ".bias");
        int channels = bias.length;
        float[][] statistics = new float[4][];
        for (int i = 0; i < 4; i++) {
            String name = node.getInput(i + 1);
            statistics[i] =
                    OnnxTensors.floats(parameter(name, where, "statistic"), folder, "initializer '" + name + "'");
            if (statistics[i].length != channels) {
                throw error(where + ": '" + name + "' holds " + statistics[i].length + " values for " + channels
                        + " channels");
            }
        }
        double epsilon = floatAttribute(node, "epsilon", 1e-5f);
        boolean dense = layer.kind() != OnnxModel.Kind.CONV;
        int perChannel = weight.length / channels;
        for (int channel = 0; channel < channels; channel++) {
            double variance = statistics[3][channel] + epsilon;
            if (!(variance > 0)) {
                throw error(where + ": variance + epsilon of channel " + channel + " is " + variance);
            }
            double scale = statistics[0][channel] / Math.sqrt(variance);
            for (int i = 0; i < perChannel; i++) {
                int position = dense ? i * channels + channel : channel * perChannel + i;
                weight[position] = (float) (scale * weight[position]);
            }
            bias[channel] = (float) (scale * (bias[channel] - statistics[2][channel]) + statistics[1][channel]);
        }
        return layer.withNormalization(node.getOutput(0));
    }

    private long[] constantOrNull(String name) {
        TensorProto constant = initializers.get(name);
        if (constant != null) {
            return OnnxTensors.integers(constant, "initializer '" + name + "'");
        }
        NodeProto node = producers.get(name);
        return node != null && node.getOpType().equals("Constant") ? constantValue(node) : null;
    }

    /** The least number of inputs each operator lc4j reads must have. */
    private static final Map<String, Integer> MIN_INPUTS = Map.ofEntries(
            Map.entry("Gemm", 2),
            Map.entry("MatMul", 2),
            Map.entry("Add", 2),
            Map.entry("Conv", 2),
            Map.entry("Reshape", 2),
            Map.entry("BatchNormalization", 5),
            Map.entry("Gather", 2),
            Map.entry("Constant", 0));

    /** Checks that every node has the inputs its operator needs and one named output. */
    private void checkArity() {
        for (NodeProto node : graph.getNodeList()) {
            if (node.getOutputCount() == 0 || node.getOutput(0).isEmpty()) {
                throw error(node.getOpType() + " node '" + node.getName() + "' has no output");
            }
            int needed = MIN_INPUTS.getOrDefault(node.getOpType(), 1);
            long present = node.getInputList().stream()
                    .limit(needed)
                    .filter(input -> !input.isEmpty())
                    .count();
            if (present < needed) {
                throw error(describe(node) + " has " + node.getInputCount() + " input(s); " + node.getOpType()
                        + " needs " + needed);
            }
        }
    }

    private void checkOperators() {
        List<String> unsupported = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            String domain = node.getDomain();
            boolean standard = domain.isEmpty() || domain.equals("ai.onnx");
            if (!standard
                    || !(LAYER_OPERATORS.contains(node.getOpType()) || SHAPE_OPERATORS.contains(node.getOpType()))) {
                unsupported.add(
                        "(" + (standard ? "" : domain + ":") + node.getOpType() + ", '" + node.getName() + "')");
            }
        }
        if (!unsupported.isEmpty()) {
            throw error(unsupported.size() + " operator(s) lc4j cannot import: " + String.join(", ", unsupported)
                    + ". lc4j imports " + SUPPORTED);
        }
    }

    private ValueInfoProto dataInput() {
        List<ValueInfoProto> inputs = graph.getInputList().stream()
                .filter(value -> !initializers.containsKey(value.getName()))
                .toList();
        if (inputs.size() != 1) {
            throw error("the graph has " + inputs.size() + " data inputs "
                    + inputs.stream().map(ValueInfoProto::getName).toList() + "; lc4j imports nets with one input");
        }
        return inputs.get(0);
    }

    private int[] perSampleShape(ValueInfoProto input) {
        if (!input.getType().hasTensorType()
                || input.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
            throw error("input '" + input.getName() + "' is not a float32 tensor");
        }
        TensorShapeProto shape = input.getType().getTensorType().getShape();
        int rank = shape.getDimCount();
        if (rank != 2 && rank != 4) {
            throw error("input '" + input.getName() + "' has rank " + rank + "; lc4j imports [batch, features] or"
                    + " [batch, channels, height, width] inputs");
        }
        int[] dims = new int[rank - 1];
        for (int i = 1; i < rank; i++) {
            TensorShapeProto.Dimension dimension = shape.getDim(i);
            if (!dimension.hasDimValue() || dimension.getDimValue() <= 0 || dimension.getDimValue() > 1 << 24) {
                throw error("input '" + input.getName() + "' dimension " + i + " is "
                        + (dimension.hasDimParam() ? "'" + dimension.getDimParam() + "'" : "unknown")
                        + "; every dimension but the batch must be a fixed size");
            }
            dims[i - 1] = (int) dimension.getDimValue();
        }
        return dims;
    }

    private String singleOutput() {
        if (graph.getOutputCount() != 1) {
            throw error("the graph has " + graph.getOutputCount() + " outputs; lc4j imports nets with one output"
                    + " (the class scores)");
        }
        return graph.getOutput(0).getName();
    }

    /** The one operator (other than Shape, which only reads dimensions) that consumes {@code tensor}. */
    private NodeProto nextOnChain(String tensor) {
        List<NodeProto> next = consumers.getOrDefault(tensor, List.of()).stream()
                .filter(node -> !node.getOpType().equals("Shape"))
                .toList();
        if (next.isEmpty()) {
            throw error("tensor '" + tensor + "' is used by no operator but is not the graph's output");
        }
        if (next.size() > 1) {
            throw error("tensor '" + tensor + "' feeds " + next.size() + " operators ("
                    + next.stream().map(OnnxImporter::describe).toList()
                    + "); lc4j imports a chain of layers without branches");
        }
        return next.get(0);
    }

    private OnnxModel.Binding dense(NodeProto node, int inputs, Set<String> layerNames, Map<String, float[]> values) {
        String where = describe(node);
        boolean gemm = node.getOpType().equals("Gemm");
        if (gemm && intAttribute(node, "transA", 0) != 0) {
            throw error(where + " has transA = 1; lc4j imports Gemm with the batch as A's first dimension");
        }
        boolean transposed = gemm && intAttribute(node, "transB", 0) != 0;
        float alpha = gemm ? floatAttribute(node, "alpha", 1f) : 1f;
        float beta = gemm ? floatAttribute(node, "beta", 1f) : 1f;
        if (alpha == 0f || !Float.isFinite(alpha) || !Float.isFinite(beta)) {
            throw error(where + " has alpha " + alpha + " and beta " + beta + "; alpha must be finite and non-zero");
        }
        String weightName = node.getInput(1);
        TensorProto weight = parameter(weightName, where, "weight");
        long[] dims = OnnxTensors.dims(weight);
        if (dims.length != 2) {
            throw error(where + ": weight '" + weightName + "' has dimensions " + Arrays.toString(dims)
                    + "; a dense layer needs a 2-D weight");
        }
        long in = transposed ? dims[1] : dims[0];
        long out = transposed ? dims[0] : dims[1];
        if (in != inputs) {
            throw error(where + ": weight '" + weightName + "' " + Arrays.toString(dims) + " takes " + in
                    + " inputs but the layer receives " + inputs);
        }
        float[] onnx = OnnxTensors.floats(weight, folder, "initializer '" + weightName + "'");
        String layer = uniqueLayerName(weightName, node, layerNames);
        // lc4j holds alpha·W as [in, out]; transB = 1 stores W as [out, in]
        float[] lc4j = transposed ? OnnxTensors.transpose(onnx, (int) out, (int) in) : onnx;
        for (int i = 0; i < lc4j.length; i++) {
            lc4j[i] *= alpha;
        }
        values.put(layer + ".weight", lc4j);

        String biasName = null;
        String biasAdd = null;
        if (gemm && beta != 0f && node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
            biasName = node.getInput(2);
        } else if (!gemm) {
            List<NodeProto> next = consumers.getOrDefault(node.getOutput(0), List.of());
            if (next.size() == 1 && next.get(0).getOpType().equals("Add")) {
                NodeProto add = next.get(0);
                int other = add.getInput(0).equals(node.getOutput(0)) ? 1 : 0;
                biasName = add.getInput(other);
                biasAdd = add.getOutput(0);
                if (!initializers.containsKey(biasName)) {
                    throw error(describe(add) + " adds '" + biasName + "', which is not a constant; lc4j imports"
                            + " an Add after MatMul as the layer's bias");
                }
            }
        }
        float[] bias = bias(biasName, where, (int) out, true);
        long[] biasDims = biasName == null ? new long[0] : OnnxTensors.dims(initializers.get(biasName));
        for (int i = 0; i < bias.length; i++) {
            bias[i] *= beta;
        }
        values.put(layer + ".bias", bias);
        return new OnnxModel.Binding(
                layer,
                gemm ? OnnxModel.Kind.GEMM : OnnxModel.Kind.MATMUL,
                node.getOutput(0),
                weightName,
                dims,
                transposed,
                alpha,
                biasName,
                biasDims,
                beta,
                biasAdd,
                null);
    }

    private OnnxModel.Binding conv(
            NodeProto node, int[] shape, Set<String> layerNames, Map<String, float[]> values, List<Layer> layers) {
        String where = describe(node);
        if (shape.length != 3) {
            throw error(where + " receives a tensor of per-sample shape " + Arrays.toString(shape)
                    + "; a convolution needs [channels, height, width]");
        }
        if (intAttribute(node, "group", 1) != 1) {
            throw error(where + " has group " + intAttribute(node, "group", 1) + "; lc4j imports group 1 only");
        }
        requireAll(node, "dilations", 1, where);
        String weightName = node.getInput(1);
        TensorProto weight = parameter(weightName, where, "weight");
        long[] dims = OnnxTensors.dims(weight);
        if (dims.length != 4 || dims[1] != shape[0] || dims[2] != dims[3]) {
            throw error(where + ": weight '" + weightName + "' has dimensions " + Arrays.toString(dims)
                    + "; lc4j needs [filters, " + shape[0] + ", k, k] (square kernels)");
        }
        int kernel = (int) dims[2];
        long[] kernelShape = intsAttribute(node, "kernel_shape");
        if (kernelShape != null && !Arrays.equals(kernelShape, new long[] {kernel, kernel})) {
            throw error(where + ": kernel_shape " + Arrays.toString(kernelShape) + " disagrees with weight "
                    + Arrays.toString(dims));
        }
        int stride = squareAttribute(node, "strides", 1, where);
        int padding = padding(node, shape, kernel, stride, where);
        String layer = uniqueLayerName(weightName, node, layerNames);
        values.put(layer + ".weight", OnnxTensors.floats(weight, folder, "initializer '" + weightName + "'"));
        String biasName = node.getInputCount() > 2 && !node.getInput(2).isEmpty() ? node.getInput(2) : null;
        values.put(layer + ".bias", bias(biasName, where, (int) dims[0], false));
        long[] biasDims = biasName == null ? new long[0] : OnnxTensors.dims(initializers.get(biasName));
        layers.add(Layer.conv2d(layer, (int) dims[0], kernel, stride, padding));
        return new OnnxModel.Binding(
                layer,
                OnnxModel.Kind.CONV,
                node.getOutput(0),
                weightName,
                dims,
                false,
                1f,
                biasName,
                biasDims,
                1f,
                null,
                null);
    }

    /**
     * The bias initializer {@code name} of a layer with {@code outputs} outputs, or zeros when there
     * is none: {@code [outputs]}, or also {@code [1, outputs]} for a dense layer.
     */
    private float[] bias(String name, String where, int outputs, boolean rowAllowed) {
        if (name == null) {
            return new float[outputs];
        }
        TensorProto tensor = parameter(name, where, "bias");
        long[] dims = OnnxTensors.dims(tensor);
        float[] values = OnnxTensors.floats(tensor, folder, "initializer '" + name + "'");
        boolean fits = dims.length == 1 || (rowAllowed && dims.length == 2 && dims[0] == 1);
        if (values.length != outputs || !fits) {
            throw error(where + ": bias '" + name + "' has dimensions " + Arrays.toString(dims) + "; it must hold one"
                    + " value per output, [" + outputs + "]" + (rowAllowed ? " or [1, " + outputs + "]" : ""));
        }
        return values;
    }

    private int padding(NodeProto node, int[] shape, int kernel, int stride, String where) {
        String autoPad = stringAttribute(node, "auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET" -> {
                long[] pads = intsAttribute(node, "pads");
                if (pads == null) {
                    return 0;
                }
                if (pads.length != 4 || Arrays.stream(pads).distinct().count() != 1 || pads[0] < 0) {
                    throw error(where + " has pads " + Arrays.toString(pads) + "; lc4j imports the same padding on"
                            + " every side");
                }
                return (int) pads[0];
            }
            case "VALID" -> {
                return 0;
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int total = -1;
                for (int size : new int[] {shape[1], shape[2]}) {
                    int output = (size + stride - 1) / stride;
                    int needed = Math.max((output - 1) * stride + kernel - size, 0);
                    if (total >= 0 && needed != total) {
                        total = -2;
                        break;
                    }
                    total = needed;
                }
                if (total < 0 || total % 2 != 0) {
                    throw error(where + " has auto_pad " + autoPad + ", which pads unevenly for input "
                            + Arrays.toString(shape) + "; lc4j imports the same padding on every side");
                }
                return total / 2;
            }
            default -> throw error(where + " has unknown auto_pad '" + autoPad + "'");
        }
    }

    private Layer maxPool(NodeProto node, int[] shape) {
        String where = describe(node);
        if (shape.length != 3) {
            throw error(where + " receives per-sample shape " + Arrays.toString(shape) + "; max pooling needs"
                    + " [channels, height, width]");
        }
        if (node.getOutputCount() > 1 && !node.getOutput(1).isEmpty()) {
            throw error(where + " also outputs indices; lc4j imports MaxPool with one output");
        }
        long[] kernelShape = intsAttribute(node, "kernel_shape");
        if (kernelShape == null || kernelShape.length != 2 || kernelShape[0] != kernelShape[1] || kernelShape[0] < 1) {
            throw error(where + " has kernel_shape " + Arrays.toString(kernelShape) + "; lc4j imports square"
                    + " pooling windows");
        }
        int size = (int) kernelShape[0];
        int stride = squareAttribute(node, "strides", 1, where);
        requireAll(node, "dilations", 1, where);
        requireAll(node, "pads", 0, where);
        if (intAttribute(node, "storage_order", 0) != 0) {
            throw error(where + " has storage_order 1; lc4j imports row-major pooling");
        }
        String autoPad = stringAttribute(node, "auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
            throw error(where + " has auto_pad " + autoPad + "; lc4j imports max pooling without padding");
        }
        if (intAttribute(node, "ceil_mode", 0) != 0) {
            for (int extent : new int[] {shape[1], shape[2]}) {
                if (extent < size || (extent - size) % stride != 0) {
                    throw error(where + " has ceil_mode 1, which changes the output size for input "
                            + Arrays.toString(shape) + "; lc4j pools with floor rounding (ceil_mode 0)");
                }
            }
        }
        return Layer.maxPool(size, stride);
    }

    private int[] outputShape(Layer layer, int[] shape) {
        try {
            return ModelSpec.outputShape(layer, shape);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage(), e);
        }
    }

    private int[] flatten(int[] shape, List<Layer> layers) {
        if (shape.length == 1) {
            return shape;
        }
        layers.add(Layer.flatten());
        return outputShape(Layer.flatten(), shape);
    }

    /** Checks that a Reshape turns a {@code [batch, ...]} activation into {@code [batch, features]}. */
    private void checkFlatteningReshape(NodeProto node, int[] shape, String where) {
        long[] target = evaluateShape(node.getInput(1), where, 0);
        if (intAttribute(node, "allowzero", 0) != 0 && Arrays.stream(target).anyMatch(value -> value == 0)) {
            throw error(where + " has allowzero = 1 and a 0 in its target shape " + render(target)
                    + ", an empty tensor; lc4j imports Reshape to [batch, -1] only");
        }
        long features = Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
        boolean flattens = target.length == 2
                && (target[0] == BATCH || target[0] == 0 || target[0] == -1)
                && (target[1] == features || (target[1] == -1 && target[0] != -1));
        if (!flattens) {
            throw error(where + " reshapes per-sample shape " + Arrays.toString(shape) + " to " + render(target)
                    + "; lc4j imports Reshape to [batch, -1] (or [batch, " + features + "]) only");
        }
    }

    /** Evaluates the int64 tensor {@code name} that a Reshape takes as its target shape. */
    private long[] evaluateShape(String name, String where, int depth) {
        if (depth > 32) {
            throw error(where + ": its shape input is computed by too deep a chain");
        }
        TensorProto constant = initializers.get(name);
        if (constant != null) {
            return OnnxTensors.integers(constant, "initializer '" + name + "'");
        }
        NodeProto node = producers.get(name);
        if (node == null) {
            throw error(where + ": its shape input '" + name + "' is neither a constant nor computed in the graph");
        }
        String what = describe(node);
        return switch (node.getOpType()) {
            case "Constant" -> constantValue(node);
            case "Shape" -> {
                String source = node.getInput(0);
                int[] shape = activationShape(source, where);
                long[] full = new long[shape.length + 1];
                full[0] = BATCH;
                for (int i = 0; i < shape.length; i++) {
                    full[i + 1] = shape[i];
                }
                int start = (int) clampAxis(intAttribute(node, "start", 0), full.length);
                int end = (int) clampAxis(intAttribute(node, "end", full.length), full.length);
                yield Arrays.copyOfRange(full, start, Math.max(start, end));
            }
            case "Gather" -> {
                long[] data = evaluateShape(node.getInput(0), where, depth + 1);
                long[] indices = evaluateShape(node.getInput(1), where, depth + 1);
                if (intAttribute(node, "axis", 0) != 0) {
                    throw error(what + " gathers along axis " + intAttribute(node, "axis", 0) + " in a shape chain");
                }
                long[] picked = new long[indices.length];
                for (int i = 0; i < indices.length; i++) {
                    long index = indices[i] < 0 ? indices[i] + data.length : indices[i];
                    if (index < 0 || index >= data.length) {
                        throw error(what + " gathers index " + indices[i] + " of a " + data.length + "-element shape");
                    }
                    picked[i] = data[(int) index];
                }
                yield picked;
            }
            case "Unsqueeze", "Squeeze", "Cast" -> evaluateShape(node.getInput(0), where, depth + 1);
            case "Concat" -> {
                List<Long> all = new ArrayList<>();
                for (String input : node.getInputList()) {
                    for (long value : evaluateShape(input, where, depth + 1)) {
                        all.add(value);
                    }
                }
                yield all.stream().mapToLong(Long::longValue).toArray();
            }
            default ->
                throw error(where + ": its shape input is computed by " + what + ", which lc4j cannot"
                        + " evaluate; export the net with a constant shape or Flatten");
        };
    }

    /** The per-sample shape of an activation on the chain, recorded by the walk that reached it. */
    private int[] activationShape(String tensor, String where) {
        int[] shape = shapes.get(tensor);
        if (shape == null) {
            throw error(where + ": its shape chain reads the shape of '" + tensor + "', which is not an earlier"
                    + " layer's output");
        }
        return shape;
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
        throw error(describe(node) + " holds no integer constant");
    }

    private TensorProto parameter(String name, String where, String role) {
        TensorProto tensor = initializers.get(name);
        if (tensor == null) {
            throw error(where + ": its " + role + " '" + name + "' is not an initializer; lc4j imports layers whose"
                    + " parameters are stored in the file");
        }
        OnnxTensors.elementCount(OnnxTensors.dims(tensor), "initializer '" + name + "'");
        if (consumers.getOrDefault(name, List.of()).size() > 1) {
            throw error(where + ": its " + role + " '" + name + "' is used by another operator too; lc4j imports"
                    + " nets whose layers own their parameters");
        }
        return tensor;
    }

    private static String uniqueLayerName(String weightName, NodeProto node, Set<String> taken) {
        String base = weightName.endsWith(".weight")
                ? weightName.substring(0, weightName.length() - ".weight".length())
                : !node.getName().isBlank() ? node.getName() : weightName;
        base = base.replaceAll("[^A-Za-z0-9_.\\-]", "_");
        if (base.isBlank()) {
            base = "layer";
        }
        String name = base;
        for (int suffix = 2; !taken.add(name); suffix++) {
            name = base + "_" + suffix;
        }
        return name;
    }

    private static void requireVector(int[] shape, String where) {
        if (shape.length != 1) {
            throw new InvalidInputException(where + " receives per-sample shape " + Arrays.toString(shape)
                    + "; a dense layer needs a vector (add Flatten before it)");
        }
    }

    private int squareAttribute(NodeProto node, String name, int defaultValue, String where) {
        long[] values = intsAttribute(node, name);
        if (values == null) {
            return defaultValue;
        }
        if (values.length != 2 || values[0] != values[1] || values[0] < 1) {
            throw error(where + " has " + name + " " + Arrays.toString(values) + "; lc4j imports the same value"
                    + " in both directions");
        }
        return (int) values[0];
    }

    private void requireAll(NodeProto node, String name, long expected, String where) {
        long[] values = intsAttribute(node, name);
        if (values != null && Arrays.stream(values).anyMatch(value -> value != expected)) {
            throw error(where + " has " + name + " " + Arrays.toString(values) + "; lc4j imports " + name + " of "
                    + expected + " only");
        }
    }

    private static long clampAxis(long axis, int rank) {
        long resolved = axis < 0 ? axis + rank : axis;
        return Math.max(0, Math.min(rank, resolved));
    }

    private static AttributeProto attribute(NodeProto node, String name) {
        for (AttributeProto attribute : node.getAttributeList()) {
            if (attribute.getName().equals(name)) {
                return attribute;
            }
        }
        return null;
    }

    private static long intAttribute(NodeProto node, String name, long defaultValue) {
        AttributeProto attribute = attribute(node, name);
        return attribute == null ? defaultValue : attribute.getI();
    }

    private static float floatAttribute(NodeProto node, String name, float defaultValue) {
        AttributeProto attribute = attribute(node, name);
        return attribute == null ? defaultValue : attribute.getF();
    }

    private static String stringAttribute(NodeProto node, String name, String defaultValue) {
        AttributeProto attribute = attribute(node, name);
        return attribute == null ? defaultValue : attribute.getS().toStringUtf8();
    }

    private static long[] intsAttribute(NodeProto node, String name) {
        AttributeProto attribute = attribute(node, name);
        return attribute == null
                ? null
                : attribute.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static String render(long[] shape) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            text.append(i > 0 ? ", " : "").append(shape[i] == BATCH ? "batch" : Long.toString(shape[i]));
        }
        return text.append(']').toString();
    }

    static String describe(NodeProto node) {
        String name = !node.getName().isEmpty() || node.getOutputCount() == 0 ? node.getName() : node.getOutput(0);
        return node.getOpType() + " '" + name + "'";
    }

    private InvalidInputException error(String message) {
        return new InvalidInputException(source + ": " + message);
    }

    private InvalidInputException error(String message, Throwable cause) {
        return new InvalidInputException(source + ": " + message, cause);
    }
}
