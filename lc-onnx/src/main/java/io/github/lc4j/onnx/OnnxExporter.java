package io.github.lc4j.onnx;

import static java.util.Objects.requireNonNull;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.io.AtomicFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes quantized weights back into an ONNX graph. The graph stays as it was; each parameter's
 * initializer takes the new values. With {@code compact}, each weight with few distinct values is
 * stored as its codebook plus bit-packed codes, and a few standard operators (BitShift, Cast,
 * ReduceSum, Reshape, Slice, Gather or GatherElements; opset 11 or later) rebuild it when the model loads, so
 * that any ONNX runtime runs the file.
 */
public final class OnnxExporter {
    /** Metadata key prefix naming each compact weight; {@code lc4j inspect} reads it. */
    static final String COMPACT_KEY = "lc4j.compact:";

    /** The opset of graphs lc4j builds for its own nets, and the least a compact file needs. */
    static final int OPSET = 13;

    private static final int MIN_COMPACT_OPSET = 11;

    private OnnxExporter() {}

    /**
     * Writes {@code weights} (of {@code source.model()}) into {@code source}'s graph and saves it to
     * {@code output} atomically.
     *
     * @throws InvalidInputException when the weights do not fit the model, or a compact file is
     *                               asked of a model whose opset is below 11
     */
    public static void write(OnnxModel source, Weights weights, Path output, boolean compact) {
        ModelProto model = build(source, weights, compact);
        AtomicFiles.write(output, model::writeTo);
    }

    /** The ONNX model {@link #write} saves. */
    static ModelProto build(OnnxModel source, Weights weights, boolean compact) {
        requireNonNull(source, "source is null");
        requireNonNull(weights, "weights is null");
        if (!weights.names()
                .equals(new HashSet<>(source.model().parameters().stream()
                        .map(ParameterSpec::name)
                        .toList()))) {
            throw new InvalidInputException("weights " + weights.names() + " do not fit model "
                    + source.model().name() + " with parameters "
                    + source.model().parameters());
        }
        ModelProto.Builder model = source.proto().toBuilder();
        if (compact) {
            checkCompact(source);
        }
        GraphProto.Builder graph = model.getGraphBuilder();
        Names names = new Names(graph.build());
        Map<String, TensorProto> replacements = new LinkedHashMap<>();
        List<TensorProto> added = new ArrayList<>();
        List<NodeProto> unpacking = new ArrayList<>();
        Set<String> removed = new HashSet<>();
        for (OnnxModel.Binding binding : source.bindings()) {
            float[] weight = onnxWeight(binding, weights.get(binding.layer() + ".weight"));
            CompactCodes codes =
                    compact ? CompactCodes.encode(weight, binding.weightDims(), binding.channelAxis()) : null;
            if (codes == null) {
                replacements.put(
                        binding.weight(),
                        OnnxTensors.withFloats(original(graph, binding.weight()), binding.weightDims(), weight));
            } else {
                removed.add(binding.weight());
                String layout = Unpacking.append(
                        binding.weight(),
                        binding.weightDims(),
                        codes,
                        defaultOpset(source.proto()),
                        names,
                        added,
                        unpacking);
                model.addMetadataProps(StringStringEntryProto.newBuilder()
                        .setKey(COMPACT_KEY + binding.weight())
                        .setValue(layout));
            }
            float[] bias = weights.get(binding.layer() + ".bias");
            if (binding.bias() != null) {
                for (int i = 0; i < bias.length; i++) {
                    bias[i] /= binding.beta();
                }
                replacements.put(
                        binding.bias(),
                        OnnxTensors.withFloats(original(graph, binding.bias()), binding.biasDims(), bias));
            } else {
                added.add(attachBias(graph, binding, bias, names));
            }
        }
        for (OnnxModel.Binding binding : source.bindings()) {
            if (binding.normalization() != null) {
                removed.addAll(removeNormalization(graph, binding));
            }
        }
        List<TensorProto> initializers = new ArrayList<>();
        for (TensorProto initializer : graph.getInitializerList()) {
            if (!removed.contains(initializer.getName())) {
                initializers.add(replacements.getOrDefault(initializer.getName(), initializer));
            }
        }
        initializers.addAll(added);
        graph.clearInitializer().addAllInitializer(initializers);
        if (!removed.isEmpty()) {
            // IR version 3 lists initializers among the inputs too; a computed weight is no input
            List<ValueInfoProto> inputs = graph.getInputList().stream()
                    .filter(input -> !removed.contains(input.getName()))
                    .toList();
            graph.clearInput().addAllInput(inputs);
            List<NodeProto> nodes = new ArrayList<>(unpacking);
            nodes.addAll(graph.getNodeList());
            graph.clearNode().addAllNode(nodes);
        }
        return model.build();
    }

    /**
     * Checks, before any work, that {@code source} can be written compact.
     *
     * @throws InvalidInputException when its opset is below 11, naming the fix
     */
    public static void checkCompact(OnnxModel source) {
        long opset = defaultOpset(source.proto());
        if (opset < MIN_COMPACT_OPSET) {
            throw new InvalidInputException("model " + source.model().name() + " uses ONNX opset " + opset
                    + "; a compact file unpacks its codes with opset-11 operators. Re-export the model with"
                    + " opset 11 or later, or write it without --compact");
        }
    }

    /**
     * Throws {@link InvalidInputException} when {@code model} is one of lc4j's graph models
     * (BatchNorm, shortcuts, …), which this exporter cannot write yet: only chains of layers are
     * written from lc4j's own nets.
     */
    public static void checkExportable(ModelSpec model) {
        if (!model.isChain()) {
            throw new InvalidInputException("model " + model.name() + " is a graph (nodes with shortcuts or batch"
                    + " normalization); writing lc4j's graph models to ONNX is not supported yet: write the weights"
                    + " as .npz instead (--output FILE.npz)");
        }
    }

    /**
     * Builds an ONNX model (opset 13) for {@code model}, one of lc4j's own nets: Conv, MaxPool,
     * Relu, Tanh, Flatten and Gemm with transB = 1, as PyTorch writes them; input {@code input}
     * of shape {@code [batch, ...]}, output {@code logits}.
     */
    public static OnnxModel fromModel(ModelSpec model, Weights weights) {
        checkExportable(model);
        GraphProto.Builder graph = GraphProto.newBuilder().setName(model.name());
        String current = "input";
        graph.addInput(valueInfo(current, model.inputShape()));
        List<Layer> layers = model.layers();
        for (int index = 0; index < layers.size(); index++) {
            String output = index == layers.size() - 1 ? "logits" : "/" + index + "/out";
            graph.addNode(layers.get(index).accept(new NodeWriter(current, output, index, weights, graph, model)));
            current = output;
        }
        int classes = model.classCount();
        graph.addOutput(valueInfo(current, new int[] {classes}));
        ModelProto proto = ModelProto.newBuilder()
                .setIrVersion(7)
                .setProducerName("lc4j")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build();
        return OnnxImporter.read(proto, model.name());
    }

    private static long defaultOpset(ModelProto model) {
        for (OperatorSetIdProto opset : model.getOpsetImportList()) {
            if (opset.getDomain().isEmpty() || opset.getDomain().equals("ai.onnx")) {
                return opset.getVersion();
            }
        }
        return 1;
    }

    private static TensorProto original(GraphProto.Builder graph, String name) {
        for (TensorProto initializer : graph.getInitializerList()) {
            if (initializer.getName().equals(name)) {
                return initializer;
            }
        }
        throw new IllegalStateException("initializer " + name + " vanished from the graph");
    }

    /** The lc4j weight {@code [in, out]} (or a convolution's) in the ONNX initializer's layout. */
    private static float[] onnxWeight(OnnxModel.Binding binding, float[] lc4j) {
        // lc4j holds [in, out]; a transposed Gemm weight is [out, in]
        float[] onnx = binding.transposed()
                ? OnnxTensors.transpose(lc4j, (int) binding.weightDims()[1], (int) binding.weightDims()[0])
                : lc4j;
        if (binding.alpha() != 1f) {
            for (int i = 0; i < onnx.length; i++) {
                onnx[i] /= binding.alpha();
            }
        }
        return onnx;
    }

    /**
     * Removes the BatchNormalization folded into {@code binding}'s layer: the layer now writes the
     * normalization's output tensor itself. Returns the statistics, which nothing reads any more.
     */
    private static List<String> removeNormalization(GraphProto.Builder graph, OnnxModel.Binding binding) {
        List<String> statistics = new ArrayList<>();
        int normalization = -1;
        for (int index = 0; index < graph.getNodeCount(); index++) {
            NodeProto node = graph.getNode(index);
            if (node.getOpType().equals("BatchNormalization")
                    && node.getOutput(0).equals(binding.normalization())) {
                normalization = index;
                statistics.addAll(node.getInputList().subList(1, node.getInputCount()));
            }
        }
        if (normalization < 0) {
            throw new IllegalStateException("BatchNormalization " + binding.normalization() + " vanished");
        }
        graph.removeNode(normalization);
        for (int index = 0; index < graph.getNodeCount(); index++) {
            NodeProto node = graph.getNode(index);
            if (node.getOutputCount() > 0 && node.getOutput(0).equals(binding.layerOutput())) {
                graph.setNode(index, node.toBuilder().setOutput(0, binding.normalization()));
                return statistics;
            }
        }
        throw new IllegalStateException("layer output " + binding.layerOutput() + " vanished");
    }

    /** Gives a layer that had no bias one, as a new initializer; returns it. */
    private static TensorProto attachBias(
            GraphProto.Builder graph, OnnxModel.Binding binding, float[] bias, Names names) {
        String name = names.fresh(binding.layer() + ".bias");
        TensorProto tensor = OnnxTensors.floatTensor(name, new long[] {bias.length}, bias);
        for (int index = 0; index < graph.getNodeCount(); index++) {
            NodeProto node = graph.getNode(index);
            if (!node.getOutput(0).equals(binding.node())) {
                continue;
            }
            switch (binding.kind()) {
                case GEMM, CONV -> {
                    NodeProto.Builder withBias = node.toBuilder();
                    if (node.getInputCount() > 2) {
                        withBias.setInput(2, name);
                    } else {
                        withBias.addInput(name);
                    }
                    // beta scaled an absent C; the new bias is stored as it is added
                    List<AttributeProto> attributes = node.getAttributeList().stream()
                            .filter(attribute -> !attribute.getName().equals("beta"))
                            .toList();
                    graph.setNode(index, withBias.clearAttribute().addAllAttribute(attributes));
                }
                case MATMUL -> {
                    String product = names.fresh(binding.node() + "/lc4j_product");
                    graph.setNode(index, node.toBuilder().setOutput(0, product));
                    graph.addNode(
                            index + 1,
                            NodeProto.newBuilder()
                                    .setOpType("Add")
                                    .setName(names.fresh(binding.layer() + "/lc4j_bias"))
                                    .addInput(product)
                                    .addInput(name)
                                    .addOutput(binding.node()));
                }
            }
            return tensor;
        }
        throw new IllegalStateException("node " + binding.node() + " vanished from the graph");
    }

    private static ValueInfoProto valueInfo(String name, int[] perSample) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int dimension : perSample) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dimension));
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.FLOAT_VALUE)
                                .setShape(shape)))
                .build();
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder attribute =
                AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long value : values) {
            attribute.addInts(value);
        }
        return attribute.build();
    }

    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    static AttributeProto string(String name, String value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value))
                .build();
    }

    /** Tensor and node names not yet taken in a graph. */
    static final class Names {
        private final Set<String> taken = new HashSet<>();

        Names(GraphProto graph) {
            graph.getInitializerList().forEach(tensor -> taken.add(tensor.getName()));
            graph.getInputList().forEach(value -> taken.add(value.getName()));
            graph.getOutputList().forEach(value -> taken.add(value.getName()));
            for (NodeProto node : graph.getNodeList()) {
                taken.addAll(node.getInputList());
                taken.addAll(node.getOutputList());
                taken.add(node.getName());
            }
        }

        String fresh(String base) {
            String name = base;
            for (int suffix = 2; !taken.add(name); suffix++) {
                name = base + "_" + suffix;
            }
            return name;
        }
    }

    /** One node (plus its initializers) per lc4j layer. */
    private static final class NodeWriter implements Layer.Visitor<NodeProto> {
        private final String input;
        private final String output;
        private final int index;
        private final Weights weights;
        private final GraphProto.Builder graph;
        private final ModelSpec model;

        NodeWriter(String input, String output, int index, Weights weights, GraphProto.Builder graph, ModelSpec model) {
            this.input = input;
            this.output = output;
            this.index = index;
            this.weights = weights;
            this.graph = graph;
            this.model = model;
        }

        private NodeProto.Builder node(String opType, String name) {
            return NodeProto.newBuilder()
                    .setOpType(opType)
                    .setName("/" + name + "/" + opType)
                    .addInput(input)
                    .addOutput(output);
        }

        @Override
        public NodeProto dense(Layer.Dense layer) {
            ParameterSpec weight = model.parameter(layer.name() + ".weight");
            int in = weight.dimension(0);
            int out = weight.dimension(1);
            float[] transposed = OnnxTensors.transpose(weights.get(weight.name()), in, out);
            graph.addInitializer(OnnxTensors.floatTensor(weight.name(), new long[] {out, in}, transposed));
            graph.addInitializer(OnnxTensors.floatTensor(
                    layer.name() + ".bias", new long[] {out}, weights.get(layer.name() + ".bias")));
            return node("Gemm", layer.name())
                    .addInput(weight.name())
                    .addInput(layer.name() + ".bias")
                    .addAttribute(integer("transB", 1))
                    .build();
        }

        @Override
        public NodeProto conv2d(Layer.Conv2d layer) {
            ParameterSpec weight = model.parameter(layer.name() + ".weight");
            long[] dims = java.util.Arrays.stream(weight.shape()).asLongStream().toArray();
            graph.addInitializer(OnnxTensors.floatTensor(weight.name(), dims, weights.get(weight.name())));
            graph.addInitializer(OnnxTensors.floatTensor(
                    layer.name() + ".bias", new long[] {dims[0]}, weights.get(layer.name() + ".bias")));
            int pad = layer.padding();
            return node("Conv", layer.name())
                    .addInput(weight.name())
                    .addInput(layer.name() + ".bias")
                    .addAttribute(ints("kernel_shape", layer.kernelSize(), layer.kernelSize()))
                    .addAttribute(ints("strides", layer.stride(), layer.stride()))
                    .addAttribute(ints("pads", pad, pad, pad, pad))
                    .build();
        }

        @Override
        public NodeProto maxPool2d(Layer.MaxPool2d layer) {
            return node("MaxPool", "pool" + index)
                    .addAttribute(ints("kernel_shape", layer.size(), layer.size()))
                    .addAttribute(ints("strides", layer.stride(), layer.stride()))
                    .build();
        }

        @Override
        public NodeProto relu(Layer.Relu layer) {
            return node("Relu", "relu" + index).build();
        }

        @Override
        public NodeProto tanh(Layer.Tanh layer) {
            return node("Tanh", "tanh" + index).build();
        }

        @Override
        public NodeProto flatten(Layer.Flatten layer) {
            return node("Flatten", "flatten" + index)
                    .addAttribute(integer("axis", 1))
                    .build();
        }
    }
}
