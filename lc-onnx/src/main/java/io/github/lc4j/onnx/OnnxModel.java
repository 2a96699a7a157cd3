package io.github.lc4j.onnx;

import static java.util.Objects.requireNonNull;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import java.util.List;

/**
 * An ONNX classifier as lc4j sees it: the {@link ModelSpec} graph and {@link Weights} to train
 * and compress, and where each lc4j parameter lives in the ONNX graph, so that trained and
 * quantized values are written back into the same graph, node for node. Read one with {@link OnnxImporter}, write one with
 * {@link OnnxExporter}.
 */
public final class OnnxModel {
    /** How an lc4j layer's parameters are stored in the ONNX graph. */
    enum Kind {
        /** Gemm: weight {@code [out, in]} when transB = 1, else {@code [in, out]}; alpha and beta scale. */
        GEMM,
        /** MatMul with weight {@code [in, out]}, optionally followed by an Add of the bias. */
        MATMUL,
        /** Conv: weight {@code [filters, channels / group, kh, kw]}, optional bias input. */
        CONV
    }

    /**
     * One lc4j layer with parameters and its ONNX home.
     *
     * @param layer        the lc4j layer name
     * @param kind         the operator that uses the parameters
     * @param node         the name of the Gemm, MatMul or Conv node's output tensor (unique in a graph)
     * @param weight       the weight initializer's name
     * @param weightDims   the weight initializer's dimensions
     * @param transposed   whether the ONNX weight is {@code [out, in]} where lc4j holds {@code [in, out]}
     * @param alpha        Gemm's alpha (1 otherwise): lc4j holds alpha·W
     * @param bias         the bias initializer's name, or null when the graph adds no bias
     * @param biasDims     the bias initializer's dimensions (empty when there is none)
     * @param beta         Gemm's beta (1 otherwise): lc4j holds beta·C
     * @param biasAddNode  for MatMul, the output tensor of the Add that adds the bias, else null
     * @param normalization the output tensor of a BatchNormalization folded into this layer, or null
     */
    record Binding(
            String layer,
            Kind kind,
            String node,
            String weight,
            long[] weightDims,
            boolean transposed,
            float alpha,
            String bias,
            long[] biasDims,
            float beta,
            String biasAddNode,
            String normalization) {

        /** This binding with a BatchNormalization whose output is {@code output} folded in. */
        Binding withNormalization(String output) {
            return new Binding(
                    layer,
                    kind,
                    node,
                    weight,
                    weightDims,
                    transposed,
                    alpha,
                    bias,
                    biasDims,
                    beta,
                    biasAddNode,
                    output);
        }

        /** The tensor the layer's output finally is, before any folded normalization. */
        String layerOutput() {
            return biasAddNode != null ? biasAddNode : node;
        }

        /** The axis of the ONNX weight that indexes output channels. */
        int channelAxis() {
            return kind == Kind.CONV || transposed ? 0 : 1;
        }
    }

    /**
     * A BatchNormalization kept as an lc4j node: the initializers that hold its scale, shift and
     * running statistics, which an export overwrites with the trained values.
     *
     * @param node     the lc4j node name
     * @param scale    the scale initializer's name
     * @param shift    the shift (B) initializer's name
     * @param mean     the running mean initializer's name
     * @param variance the running variance initializer's name
     */
    record NormalizationBinding(String node, String scale, String shift, String mean, String variance) {
        /** The ONNX initializer names in the order of {@link #roles()}. */
        List<String> initializers() {
            return List.of(scale, shift, mean, variance);
        }

        /** The lc4j roles of the initializers, in the order of {@link #initializers()}. */
        static List<io.github.lc4j.api.ParameterSpec.Role> roles() {
            return List.of(
                    io.github.lc4j.api.ParameterSpec.Role.SCALE,
                    io.github.lc4j.api.ParameterSpec.Role.SHIFT,
                    io.github.lc4j.api.ParameterSpec.Role.RUNNING_MEAN,
                    io.github.lc4j.api.ParameterSpec.Role.RUNNING_VARIANCE);
        }
    }

    private final ModelProto proto;
    private final java.nio.file.Path folder;
    private final ModelSpec model;
    private final Weights weights;
    private final List<Binding> bindings;
    private final List<NormalizationBinding> normalizations;

    OnnxModel(
            ModelProto proto,
            java.nio.file.Path folder,
            ModelSpec model,
            Weights weights,
            List<Binding> bindings,
            List<NormalizationBinding> normalizations) {
        this.proto = requireNonNull(proto, "proto is null");
        this.folder = folder;
        this.model = requireNonNull(model, "model is null");
        this.weights = requireNonNull(weights, "weights is null");
        this.bindings = List.copyOf(bindings);
        this.normalizations = List.copyOf(normalizations);
    }

    /** Returns the net as lc4j trains it. */
    public ModelSpec model() {
        return model;
    }

    /** Returns the weights held in the file, in lc4j's layouts. */
    public Weights weights() {
        return weights;
    }

    ModelProto proto() {
        return proto;
    }

    java.nio.file.Path folder() {
        return folder;
    }

    List<Binding> bindings() {
        return bindings;
    }

    List<NormalizationBinding> normalizations() {
        return normalizations;
    }

    @Override
    public String toString() {
        return "OnnxModel[" + model + "]";
    }
}
