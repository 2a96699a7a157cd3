package io.github.lc4j.onnx;

import static io.github.lc4j.onnx.OnnxProtos.floating;
import static io.github.lc4j.onnx.OnnxProtos.integer;
import static io.github.lc4j.onnx.OnnxProtos.ints;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Node;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.ParameterSpec.Role;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.Window;
import java.util.Arrays;
import java.util.List;

/**
 * Writes one of lc4j's own nets (a chain or a graph) as an ONNX model, node for node, in the forms
 * PyTorch's exporter uses: Gemm with transB = 1, Conv with per-side pads and groups,
 * BatchNormalization with its running statistics, Add, Mul, Concat, Clip with its bounds as
 * inputs, pooling, Flatten and Reshape. Input {@code input} of shape {@code [batch, ...]}, output
 * {@code logits}; opset 13, or 14 when the net uses HardSwish.
 */
public final class OnnxGraphWriter {
    /** The opset of graphs lc4j builds for its own nets, and the least a compact file needs. */
    static final int OPSET = 13;

    private static final int HARD_SWISH_OPSET = 14;

    private OnnxGraphWriter() {}

    /** Builds the ONNX model of {@code model} with {@code weights} and reads it back as an {@link OnnxModel}. */
    public static OnnxModel fromModel(ModelSpec model, Weights weights) {
        return OnnxImporter.read(build(model, weights), model.name());
    }

    /** Builds the ONNX model of {@code model} with {@code weights}. */
    static ModelProto build(ModelSpec model, Weights weights) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName(model.name());
        graph.addInput(OnnxProtos.valueInfo("input", model.inputShape()));
        List<Node> nodes = model.nodes();
        boolean hardSwish = false;
        for (int index = 0; index < nodes.size(); index++) {
            Node node = nodes.get(index);
            hardSwish |= node.op() instanceof Op.HardSwish;
            node.op().accept(new NodeWriter(model, weights, graph, node, index == nodes.size() - 1));
        }
        graph.addOutput(OnnxProtos.valueInfo("logits", new int[] {model.classCount()}));
        return ModelProto.newBuilder()
                .setIrVersion(7)
                .setProducerName("lc4j")
                .addOpsetImport(
                        OperatorSetIdProto.newBuilder().setDomain("").setVersion(hardSwish ? HARD_SWISH_OPSET : OPSET))
                .setGraph(graph)
                .build();
    }

    /** The ONNX tensor name of lc4j tensor {@code name}. */
    private static String tensor(ModelSpec model, String name) {
        if (name.equals(ModelSpec.INPUT)) {
            return "input";
        }
        List<Node> nodes = model.nodes();
        return nodes.get(nodes.size() - 1).name().equals(name) ? "logits" : name;
    }

    /** One ONNX node (plus its initializers) per lc4j node. */
    private static final class NodeWriter implements Op.Visitor<Void> {
        private final ModelSpec model;
        private final Weights weights;
        private final GraphProto.Builder graph;
        private final Node node;
        private final String output;

        NodeWriter(ModelSpec model, Weights weights, GraphProto.Builder graph, Node node, boolean last) {
            this.model = model;
            this.weights = weights;
            this.graph = graph;
            this.node = node;
            this.output = last ? "logits" : node.name();
        }

        private NodeProto.Builder onnx(String opType) {
            NodeProto.Builder builder = NodeProto.newBuilder()
                    .setOpType(opType)
                    .setName(node.name())
                    .addOutput(output);
            for (String input : node.inputs()) {
                builder.addInput(tensor(model, input));
            }
            return builder;
        }

        /** Adds parameter {@code role} of this node as an initializer of {@code dims}; returns its name. */
        private String initializer(Role role, long[] dims, float[] values) {
            String name = ParameterSpec.nameOf(node.name(), role);
            graph.addInitializer(OnnxTensors.floatTensor(name, dims, values));
            return name;
        }

        private String parameter(Role role) {
            String name = ParameterSpec.nameOf(node.name(), role);
            int[] shape = model.parameter(name).shape();
            return initializer(role, Arrays.stream(shape).asLongStream().toArray(), weights.get(name));
        }

        private Void done(NodeProto.Builder builder) {
            graph.addNode(builder);
            return null;
        }

        private static NodeProto.Builder window(NodeProto.Builder builder, Window w) {
            return builder.addAttribute(ints("kernel_shape", w.kernelHeight(), w.kernelWidth()))
                    .addAttribute(ints("strides", w.strideHeight(), w.strideWidth()))
                    .addAttribute(ints("pads", w.padTop(), w.padLeft(), w.padBottom(), w.padRight()));
        }

        @Override
        public Void dense(Op.Dense op) {
            ParameterSpec weight = model.parameter(ParameterSpec.nameOf(node.name(), Role.WEIGHT));
            int in = weight.dimension(0);
            int out = weight.dimension(1);
            float[] transposed = OnnxTensors.transpose(weights.get(weight.name()), in, out);
            NodeProto.Builder gemm = onnx("Gemm").addInput(initializer(Role.WEIGHT, new long[] {out, in}, transposed));
            if (op.bias()) {
                gemm.addInput(parameter(Role.BIAS));
            }
            return done(gemm.addAttribute(integer("transB", 1)));
        }

        @Override
        public Void conv2d(Op.Conv2d op) {
            NodeProto.Builder conv = onnx("Conv").addInput(parameter(Role.WEIGHT));
            if (op.bias()) {
                conv.addInput(parameter(Role.BIAS));
            }
            Window w = op.window();
            window(conv, w)
                    .addAttribute(ints("dilations", w.dilationHeight(), w.dilationWidth()))
                    .addAttribute(integer("group", op.groups()));
            return done(conv);
        }

        @Override
        public Void batchNorm(Op.BatchNorm op) {
            NodeProto.Builder norm = onnx("BatchNormalization");
            for (Role role : OnnxModel.NormalizationBinding.roles()) {
                norm.addInput(parameter(role));
            }
            return done(norm.addAttribute(floating("epsilon", (float) op.epsilon()))
                    .addAttribute(floating("momentum", (float) op.momentum())));
        }

        @Override
        public Void add(Op.Add op) {
            return done(onnx("Add"));
        }

        @Override
        public Void mul(Op.Mul op) {
            return done(onnx("Mul"));
        }

        @Override
        public Void concat(Op.Concat op) {
            return done(onnx("Concat").addAttribute(integer("axis", 1)));
        }

        @Override
        public Void relu(Op.Relu op) {
            return done(onnx("Relu"));
        }

        @Override
        public Void clip(Op.Clip op) {
            String min = node.name() + ".clip_min";
            String max = node.name() + ".clip_max";
            graph.addInitializer(OnnxTensors.floatTensor(min, new long[0], new float[] {op.min()}));
            graph.addInitializer(OnnxTensors.floatTensor(max, new long[0], new float[] {op.max()}));
            return done(onnx("Clip").addInput(min).addInput(max));
        }

        @Override
        public Void sigmoid(Op.Sigmoid op) {
            return done(onnx("Sigmoid"));
        }

        @Override
        public Void tanh(Op.Tanh op) {
            return done(onnx("Tanh"));
        }

        @Override
        public Void hardSwish(Op.HardSwish op) {
            return done(onnx("HardSwish"));
        }

        @Override
        public Void maxPool(Op.MaxPool op) {
            return done(window(onnx("MaxPool"), op.window()));
        }

        @Override
        public Void averagePool(Op.AveragePool op) {
            return done(window(onnx("AveragePool"), op.window())
                    .addAttribute(integer("count_include_pad", op.countIncludePad() ? 1 : 0)));
        }

        @Override
        public Void globalAveragePool(Op.GlobalAveragePool op) {
            return done(onnx("GlobalAveragePool"));
        }

        @Override
        public Void flatten(Op.Flatten op) {
            return done(onnx("Flatten").addAttribute(integer("axis", 1)));
        }

        @Override
        public Void reshape(Op.Reshape op) {
            int[] shape = op.shape();
            long[] target = new long[shape.length + 1];
            target[0] = -1;
            for (int i = 0; i < shape.length; i++) {
                target[i + 1] = shape[i];
            }
            String name = node.name() + ".shape";
            graph.addInitializer(OnnxTensors.longTensor(name, new long[] {target.length}, target));
            return done(onnx("Reshape").addInput(name));
        }
    }
}
