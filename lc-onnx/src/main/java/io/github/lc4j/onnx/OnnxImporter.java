package io.github.lc4j.onnx;

import static io.github.lc4j.onnx.OnnxProtos.describe;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.github.lc4j.api.InvalidInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an ONNX classifier into an {@link OnnxModel}: the graph's nodes become lc4j graph nodes
 * (residual Adds, gates, Concats, grouped convolutions, batch normalizations, pooling), and the
 * small integer subgraphs exporters write around them (PyTorch's {@code x.view(N, -1)}, axes
 * inputs) are evaluated to constants. An unsupported operator is one error listing every such
 * node; nothing is half imported. The work is split three ways: {@link OnnxGraph} reads and
 * orders the graph, {@link ShapeEvaluator} folds constants, {@link OpImporters} maps each
 * operator.
 */
public final class OnnxImporter {
    private final ModelProto proto;
    private final String source;
    private final String modelName;
    private final Path folder;
    private final boolean foldBatchNorm;

    private OnnxImporter(ModelProto proto, String source, String modelName, Path folder, boolean foldBatchNorm) {
        // a compact file written by lc4j reads as the graph it was written from
        this.proto = Unpacking.expand(proto, source);
        this.source = source;
        this.modelName = modelName;
        this.folder = folder;
        this.foldBatchNorm = foldBatchNorm;
    }

    /**
     * Reads {@code file}, keeping each BatchNormalization as a node lc4j trains.
     *
     * @throws InvalidInputException naming the file and what is wrong with it: not ONNX, damaged,
     *                               an unsupported operator or structure, bad parameter data
     */
    public static OnnxModel read(Path file) {
        return read(file, false);
    }

    /**
     * Reads {@code file}; with {@code foldBatchNorm}, each BatchNormalization right after a Conv,
     * Gemm or MatMul that nothing else reads is folded into that layer's weight and bias.
     *
     * @throws InvalidInputException naming the file and what is wrong with it
     */
    public static OnnxModel read(Path file, boolean foldBatchNorm) {
        String name = file.getFileName().toString().replaceFirst("(?i)\\.onnx$", "");
        return new OnnxImporter(
                        OnnxGraph.parse(file),
                        "ONNX file " + file,
                        name.isBlank() ? "onnx" : name,
                        file.toAbsolutePath().getParent(),
                        foldBatchNorm)
                .read();
    }

    /** Interprets a model built in memory; {@code name} names it in the ModelSpec and in errors. */
    static OnnxModel read(ModelProto proto, String name) {
        return new OnnxImporter(proto, "ONNX model " + name, name, null, false).read();
    }

    /**
     * Reads the ONNX model in {@code bytes}, whose weights are all in the model itself (no external
     * data files); {@code name} names it in the ModelSpec and in errors.
     *
     * @throws InvalidInputException naming {@code name} and what is wrong
     */
    public static OnnxModel read(byte[] bytes, String name) {
        String source = "ONNX model " + name;
        return new OnnxImporter(OnnxGraph.parse(bytes, source), source, name, null, false).read();
    }

    /** Reads the ONNX model in {@code file} without interpreting it. */
    static ModelProto parse(Path file) {
        return OnnxGraph.parse(file);
    }

    /**
     * The nodes of {@code model} lc4j cannot import, as {@code (OpType, 'name')}: operators
     * outside the default domain or without an importer. Empty when every operator is known.
     */
    static List<String> unsupportedNodes(ModelProto model) {
        List<String> unsupported = new ArrayList<>();
        for (NodeProto node : model.getGraph().getNodeList()) {
            String domain = node.getDomain();
            boolean standard = domain.isEmpty() || domain.equals("ai.onnx");
            if (!standard
                    || !(OpImporters.TABLE.containsKey(node.getOpType())
                            || ShapeEvaluator.OPERATORS.contains(node.getOpType())
                            || node.getOpType().equals("Transpose"))) {
                unsupported.add(
                        "(" + (standard ? "" : domain + ":") + node.getOpType() + ", '" + node.getName() + "')");
            }
        }
        return unsupported;
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

    private OnnxModel interpret() {
        List<String> unsupported = unsupportedNodes(proto);
        if (!unsupported.isEmpty()) {
            throw error(unsupported.size() + " operator(s) lc4j cannot import: " + String.join(", ", unsupported)
                    + ". lc4j imports " + OpImporters.supported());
        }
        checkArity();
        OnnxGraph graph = new OnnxGraph(proto, OpImporters.PARAMETER_USERS, folder, this::error);
        ValueInfoProto input = graph.dataInput();
        String output = graph.output();
        GraphImport in = new GraphImport(graph, foldBatchNorm, folder, source);
        in.input(input.getName(), perSampleShape(input));
        for (NodeProto node : graph.order()) {
            boolean readsActivation = node.getInputList().stream().anyMatch(in::isActivation);
            if (!readsActivation || in.absorbed(node) || node.getOpType().equals("Shape")) {
                // constants and shape computations are evaluated where they are read
                continue;
            }
            OpImporters.OpImporter importer = OpImporters.TABLE.get(node.getOpType());
            if (importer == null) {
                throw error(describe(node) + " computes on activations; lc4j evaluates " + node.getOpType()
                        + " only on constants (shapes, or parameters for Transpose). lc4j imports "
                        + OpImporters.supported());
            }
            importer.apply(node, in);
        }
        return in.build(modelName, in.output(output));
    }

    /** Checks that every node has the inputs its operator needs. */
    private void checkArity() {
        for (NodeProto node : proto.getGraph().getNodeList()) {
            int needed = OpImporters.MIN_INPUTS.getOrDefault(node.getOpType(), 1);
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

    private InvalidInputException error(String message) {
        return new InvalidInputException(source + ": " + message);
    }

    private InvalidInputException error(String message, Throwable cause) {
        return new InvalidInputException(source + ": " + message, cause);
    }
}
