package io.github.lc4j.onnx;

import static java.util.Objects.requireNonNull;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.github.lc4j.api.InvalidInputException;
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
 * Writes trained and quantized values back into an ONNX graph. The graph stays as it was, node
 * for node; each parameter's initializer (batch normalizations' running statistics included)
 * takes the new values, and a BatchNormalization folded at import is removed. With {@code compact}, each weight with few distinct values is
 * stored as its codebook plus bit-packed codes, and a few standard operators (BitShift, Cast,
 * ReduceSum, Reshape, Slice, Gather or GatherElements; opset 11 or later) rebuild it when the model loads, so
 * that any ONNX runtime runs the file.
 */
public final class OnnxExporter {
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

    /** Bytes a wider code adds at most to the graph: its width's shared shift constant, one per width. */
    private static final long WIDTH_MARGIN_BYTES = 640;

    /** Bytes a weight's layout description and plane dimensions may grow by with its width. */
    private static final long WEIGHT_MARGIN_BYTES = 8;

    /**
     * Returns the bytes a compact file of {@code source} holds beyond its parameters' codes,
     * codebooks and floats (what ρ counts): the graph, the unpacking operators, the metadata. It
     * is measured on a file whose weights named in {@code compressed} take two values each, plus
     * a margin for what other code widths add, so that a size budget less these bytes bounds the
     * whole file.
     */
    public static long compactGraphBytes(OnnxModel source, Weights weights, java.util.Collection<String> compressed) {
        Map<String, float[]> standIns = new LinkedHashMap<>();
        for (String name : compressed) {
            float[] values = weights.get(name);
            for (int i = 0; i < values.length; i++) {
                values[i] = values[i] >= 0 ? 1f : -1f;
            }
            standIns.put(name, values);
        }
        ModelProto model = build(source, weights.with(standIns), true);
        long parameters =
                OnnxInspector.parameters(
                                model,
                                "the compact stand-in of " + source.model().name(),
                                source.folder())
                        .stream()
                        .mapToLong(OnnxInspector.Parameter::bytes)
                        .sum();
        return model.getSerializedSize() - parameters + WIDTH_MARGIN_BYTES + WEIGHT_MARGIN_BYTES * compressed.size();
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
        OnnxProtos.Names names = new OnnxProtos.Names(graph.build());
        Map<String, TensorProto> replacements = new LinkedHashMap<>();
        List<TensorProto> added = new ArrayList<>();
        List<NodeProto> unpacking = new ArrayList<>();
        Set<String> removed = new HashSet<>();
        for (OnnxModel.Binding binding : source.bindings()) {
            float[] weight =
                    onnxWeight(binding, weights.get(ParameterSpec.nameOf(binding.layer(), ParameterSpec.Role.WEIGHT)));
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
                        OnnxProtos.defaultOpset(source.proto()),
                        names,
                        added,
                        unpacking);
                model.addMetadataProps(StringStringEntryProto.newBuilder()
                        .setKey(Unpacking.COMPACT_KEY + binding.weight())
                        .setValue(layout));
            }
            String biasName = ParameterSpec.nameOf(binding.layer(), ParameterSpec.Role.BIAS);
            if (!weights.names().contains(biasName)) {
                continue;
            }
            float[] bias = weights.get(biasName);
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
        for (OnnxModel.NormalizationBinding normalization : source.normalizations()) {
            List<ParameterSpec.Role> roles = OnnxModel.NormalizationBinding.roles();
            for (int i = 0; i < roles.size(); i++) {
                String initializer = normalization.initializers().get(i);
                replacements.put(
                        initializer,
                        OnnxTensors.withFloats(
                                original(graph, initializer),
                                OnnxTensors.dims(original(graph, initializer)),
                                weights.get(ParameterSpec.nameOf(normalization.node(), roles.get(i)))));
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
        long opset = OnnxProtos.defaultOpset(source.proto());
        if (opset < MIN_COMPACT_OPSET) {
            throw new InvalidInputException("model " + source.model().name() + " uses ONNX opset " + opset
                    + "; a compact file unpacks its codes with opset-11 operators. Re-export the model with"
                    + " opset 11 or later, or write it without --compact");
        }
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
            GraphProto.Builder graph, OnnxModel.Binding binding, float[] bias, OnnxProtos.Names names) {
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
}
