package io.github.lc4j.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.util.HashSet;
import java.util.Set;

/** Reading and building the small protobuf pieces every ONNX class here needs: attributes, names, value infos. */
final class OnnxProtos {
    private OnnxProtos() {}

    /** The attribute {@code name} of {@code node}, or null. */
    static AttributeProto attribute(NodeProto node, String name) {
        for (AttributeProto attribute : node.getAttributeList()) {
            if (attribute.getName().equals(name)) {
                return attribute;
            }
        }
        return null;
    }

    static long intAttribute(NodeProto node, String name, long defaultValue) {
        AttributeProto attribute = attribute(node, name);
        return attribute == null ? defaultValue : attribute.getI();
    }

    static float floatAttribute(NodeProto node, String name, float defaultValue) {
        AttributeProto attribute = attribute(node, name);
        return attribute == null ? defaultValue : attribute.getF();
    }

    static String stringAttribute(NodeProto node, String name, String defaultValue) {
        AttributeProto attribute = attribute(node, name);
        return attribute == null ? defaultValue : attribute.getS().toStringUtf8();
    }

    /** The integers of attribute {@code name}, or null when the node has no such attribute. */
    static long[] intsAttribute(NodeProto node, String name) {
        AttributeProto attribute = attribute(node, name);
        return attribute == null
                ? null
                : attribute.getIntsList().stream().mapToLong(Long::longValue).toArray();
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

    static AttributeProto floating(String name, float value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    static AttributeProto string(String name, String value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value))
                .build();
    }

    /** The version of the default (ai.onnx) operator set {@code model} imports; 1 when it lists none. */
    static long defaultOpset(ModelProto model) {
        for (OperatorSetIdProto opset : model.getOpsetImportList()) {
            if (opset.getDomain().isEmpty() || opset.getDomain().equals("ai.onnx")) {
                return opset.getVersion();
            }
        }
        return 1;
    }

    /** A float tensor's value info with a symbolic batch dimension and the per-sample shape. */
    static ValueInfoProto valueInfo(String name, int[] perSample) {
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

    /** How errors name a node: its op type and its name (or its first output when it has none). */
    static String describe(NodeProto node) {
        String name = !node.getName().isEmpty() || node.getOutputCount() == 0 ? node.getName() : node.getOutput(0);
        return node.getOpType() + " '" + name + "'";
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

        /** {@code base}, or {@code base_2}, {@code base_3}, … the first not taken; it is taken now. */
        String fresh(String base) {
            String name = base;
            for (int suffix = 2; !taken.add(name); suffix++) {
                name = base + "_" + suffix;
            }
            return name;
        }
    }
}
