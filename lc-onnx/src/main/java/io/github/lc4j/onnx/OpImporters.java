package io.github.lc4j.onnx;

import static io.github.lc4j.onnx.OnnxProtos.describe;
import static io.github.lc4j.onnx.OnnxProtos.floatAttribute;
import static io.github.lc4j.onnx.OnnxProtos.intAttribute;
import static io.github.lc4j.onnx.OnnxProtos.intsAttribute;
import static io.github.lc4j.onnx.OnnxProtos.stringAttribute;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.ParameterSpec.Role;
import io.github.lc4j.api.Window;
import io.github.lc4j.onnx.GraphImport.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One importer per ONNX operator over activations: each reads its node's attributes and inputs
 * and adds lc4j nodes (or maps its output onto its input) in a {@link GraphImport}.
 */
final class OpImporters {
    /** Imports one ONNX node. */
    @FunctionalInterface
    interface OpImporter {
        void apply(NodeProto node, GraphImport in);
    }

    private OpImporters() {}

    /** The importers by ONNX operator type (default domain). */
    static final Map<String, OpImporter> TABLE = Map.ofEntries(
            Map.entry("Gemm", OpImporters::dense),
            Map.entry("MatMul", OpImporters::dense),
            Map.entry("Conv", OpImporters::conv),
            Map.entry("BatchNormalization", OpImporters::batchNorm),
            Map.entry("Add", (node, in) -> binary(node, in, new Op.Add())),
            Map.entry("Mul", (node, in) -> binary(node, in, new Op.Mul())),
            Map.entry("Concat", OpImporters::concat),
            Map.entry("Relu", (node, in) -> unary(node, in, new Op.Relu())),
            Map.entry("Sigmoid", (node, in) -> unary(node, in, new Op.Sigmoid())),
            Map.entry("Tanh", (node, in) -> unary(node, in, new Op.Tanh())),
            Map.entry("HardSwish", (node, in) -> unary(node, in, new Op.HardSwish())),
            Map.entry("HardSigmoid", OpImporters::hardSigmoid),
            Map.entry("Clip", OpImporters::clip),
            Map.entry("MaxPool", (node, in) -> pool(node, in, true)),
            Map.entry("AveragePool", (node, in) -> pool(node, in, false)),
            Map.entry("GlobalAveragePool", (node, in) -> unary(node, in, new Op.GlobalAveragePool())),
            Map.entry("ReduceMean", OpImporters::reduceMean),
            Map.entry("Flatten", OpImporters::flatten),
            Map.entry("Reshape", OpImporters::reshape),
            Map.entry("Unsqueeze", (node, in) -> squeeze(node, in, true)),
            Map.entry("Squeeze", (node, in) -> squeeze(node, in, false)),
            Map.entry("Identity", (node, in) -> in.alias(node, in.activation(node, 0))),
            Map.entry("Cast", OpImporters::cast),
            Map.entry("Dropout", OpImporters::dropout),
            Map.entry("Softmax", OpImporters::softmax),
            Map.entry("LogSoftmax", OpImporters::softmax));

    /** Operators whose float Constant inputs are parameters. */
    static final Set<String> PARAMETER_USERS = Set.of("Gemm", "MatMul", "Add", "Conv", "BatchNormalization");

    /** The least number of inputs each operator must have. */
    static final Map<String, Integer> MIN_INPUTS = Map.ofEntries(
            Map.entry("Gemm", 2),
            Map.entry("MatMul", 2),
            Map.entry("Add", 2),
            Map.entry("Mul", 2),
            Map.entry("Conv", 2),
            Map.entry("Reshape", 2),
            Map.entry("BatchNormalization", 5),
            Map.entry("Gather", 2),
            Map.entry("Slice", 3),
            Map.entry("Constant", 0));

    /** What the error messages say lc4j imports. */
    static String supported() {
        return String.join(", ", new TreeSet<>(TABLE.keySet()))
                + ", and Shape, Gather, Slice, Concat, Unsqueeze, Squeeze, Cast, Constant computing constant shapes"
                + ", and Transpose of a constant weight";
    }

    // ------------------------------------------------------------------------------- layers

    private static void dense(NodeProto node, GraphImport in) {
        String where = describe(node);
        Tensor x = in.activation(node, 0);
        if (x.shape().length != 1) {
            throw in.error(where + " receives per-sample shape " + Arrays.toString(x.shape())
                    + "; a dense layer needs a vector (add Flatten before it)");
        }
        boolean gemm = node.getOpType().equals("Gemm");
        if (gemm && intAttribute(node, "transA", 0) != 0) {
            throw in.error(where + " has transA = 1; lc4j imports Gemm with the batch as A's first dimension");
        }
        boolean transposed = gemm && intAttribute(node, "transB", 0) != 0;
        float alpha = gemm ? floatAttribute(node, "alpha", 1f) : 1f;
        float beta = gemm ? floatAttribute(node, "beta", 1f) : 1f;
        if (alpha == 0f || !Float.isFinite(alpha) || !Float.isFinite(beta)) {
            throw in.error(where + " has alpha " + alpha + " and beta " + beta + "; alpha must be finite and non-zero");
        }
        String weightName = node.getInput(1);
        TensorProto weight = in.parameter(weightName, where, "weight");
        long[] dims = OnnxTensors.dims(weight);
        if (dims.length != 2) {
            throw in.error(where + ": weight '" + weightName + "' has dimensions " + Arrays.toString(dims)
                    + "; a dense layer needs a 2-D weight");
        }
        long inputs = transposed ? dims[1] : dims[0];
        int units = (int) (transposed ? dims[0] : dims[1]);
        if (inputs != x.shape()[0]) {
            throw in.error(where + ": weight '" + weightName + "' " + Arrays.toString(dims) + " takes " + inputs
                    + " inputs but the layer receives " + x.shape()[0]);
        }
        float[] onnx = in.floats(weight);
        // lc4j holds alpha·W as [in, out]; transB = 1 stores W as [out, in]
        float[] lc4j = transposed ? OnnxTensors.transpose(onnx, units, (int) inputs) : onnx;
        for (int i = 0; i < lc4j.length; i++) {
            lc4j[i] *= alpha;
        }
        String biasName = null;
        NodeProto biasAdd = null;
        if (gemm && beta != 0f && node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
            biasName = node.getInput(2);
        } else if (!gemm) {
            List<NodeProto> next = in.graph.consumers(node.getOutput(0));
            if (next.size() == 1 && next.get(0).getOpType().equals("Add")) {
                NodeProto add = next.get(0);
                String other = add.getInput(add.getInput(0).equals(node.getOutput(0)) ? 1 : 0);
                if (in.graph.isInitializer(other)) {
                    biasName = other;
                    biasAdd = add;
                }
            }
        }
        String name = in.name(node, weightName);
        in.value(name, Role.WEIGHT, lc4j);
        if (biasName != null) {
            float[] bias = bias(in, biasName, where, units, true);
            for (int i = 0; i < bias.length; i++) {
                bias[i] *= beta;
            }
            in.value(name, Role.BIAS, bias);
        }
        Tensor output = in.add(node, name, new Op.Dense(units, biasName != null), x);
        if (biasAdd != null) {
            in.absorb(biasAdd);
            in.alias(biasAdd, output);
        }
        in.bind(new OnnxModel.Binding(
                name,
                gemm ? OnnxModel.Kind.GEMM : OnnxModel.Kind.MATMUL,
                node.getOutput(0),
                weightName,
                dims,
                transposed,
                alpha,
                biasName,
                biasName == null ? new long[0] : OnnxTensors.dims(in.graph.initializer(biasName)),
                beta,
                biasAdd == null ? null : biasAdd.getOutput(0),
                null));
    }

    private static void conv(NodeProto node, GraphImport in) {
        String where = describe(node);
        Tensor x = in.activation(node, 0);
        if (x.shape().length != 3) {
            throw in.error(where + " receives a tensor of per-sample shape " + Arrays.toString(x.shape())
                    + "; a convolution needs [channels, height, width]");
        }
        int channels = x.shape()[0];
        long group = intAttribute(node, "group", 1);
        String weightName = node.getInput(1);
        TensorProto weight = in.parameter(weightName, where, "weight");
        long[] dims = OnnxTensors.dims(weight);
        if (group < 1 || channels % group != 0 || (dims.length == 4 && dims[0] % group != 0)) {
            throw in.error(where + " has group " + group + ", which does not divide its " + channels
                    + " input channels and " + (dims.length > 0 ? dims[0] : 0) + " filters");
        }
        if (dims.length != 4 || dims[1] * group != channels) {
            throw in.error(where + ": weight '" + weightName + "' has dimensions " + Arrays.toString(dims)
                    + "; with group " + group + " lc4j needs [filters, " + channels / group + ", kh, kw]");
        }
        long[] kernelShape = intsAttribute(node, "kernel_shape");
        if (kernelShape != null && !Arrays.equals(kernelShape, new long[] {dims[2], dims[3]})) {
            throw in.error(where + ": kernel_shape " + Arrays.toString(kernelShape) + " disagrees with weight "
                    + Arrays.toString(dims));
        }
        Window window = window(node, in, x.shape(), (int) dims[2], (int) dims[3], true);
        String biasName = node.getInputCount() > 2 && !node.getInput(2).isEmpty() ? node.getInput(2) : null;
        String name = in.name(node, weightName);
        in.value(name, Role.WEIGHT, in.floats(weight));
        if (biasName != null) {
            in.value(name, Role.BIAS, bias(in, biasName, where, (int) dims[0], false));
        }
        in.add(node, name, new Op.Conv2d((int) dims[0], window, (int) group, biasName != null), x);
        in.bind(new OnnxModel.Binding(
                name,
                OnnxModel.Kind.CONV,
                node.getOutput(0),
                weightName,
                dims,
                false,
                1f,
                biasName,
                biasName == null ? new long[0] : OnnxTensors.dims(in.graph.initializer(biasName)),
                1f,
                null,
                null));
    }

    /**
     * The bias initializer {@code name} of a layer with {@code outputs} outputs: {@code [outputs]},
     * or also {@code [1, outputs]} for a dense layer.
     */
    private static float[] bias(GraphImport in, String name, String where, int outputs, boolean rowAllowed) {
        TensorProto tensor = in.parameter(name, where, "bias");
        long[] dims = OnnxTensors.dims(tensor);
        float[] values = in.floats(tensor);
        boolean fits = dims.length == 1 || (rowAllowed && dims.length == 2 && dims[0] == 1);
        if (values.length != outputs || !fits) {
            throw in.error(where + ": bias '" + name + "' has dimensions " + Arrays.toString(dims) + "; it must hold"
                    + " one value per output, [" + outputs + "]" + (rowAllowed ? " or [1, " + outputs + "]" : ""));
        }
        return values;
    }

    /**
     * BatchNormalization in inference form: an lc4j batch normalization node, or, with folding on
     * and a dense or convolution layer right before it that nothing else reads, folded into that
     * layer: per output channel s = γ/√(σ² + ε), W ← s·W, b ← s·(b − μ) + β.
     */
    private static void batchNorm(NodeProto node, GraphImport in) {
        String where = describe(node);
        Tensor x = in.activation(node, 0);
        if (intAttribute(node, "training_mode", 0) != 0) {
            throw in.error(where + " runs in training mode; export the net in eval mode (lc4j trains it itself)");
        }
        int channels = x.shape()[0];
        float[][] statistics = new float[4][];
        TensorProto[] tensors = new TensorProto[4];
        for (int i = 0; i < 4; i++) {
            String name = node.getInput(i + 1);
            tensors[i] = in.parameter(name, where, "statistic");
            statistics[i] = in.floats(tensors[i]);
            if (statistics[i].length != channels || OnnxTensors.dims(tensors[i]).length != 1) {
                throw in.error(
                        where + ": '" + name + "' has dimensions " + Arrays.toString(OnnxTensors.dims(tensors[i]))
                                + "; it must hold one value per channel, [" + channels + "]");
            }
        }
        float epsilon = floatAttribute(node, "epsilon", 1e-5f);
        float momentum = floatAttribute(node, "momentum", 0.9f);
        if (!(epsilon > 0) || !(momentum >= 0 && momentum < 1)) {
            throw in.error(where + " has epsilon " + epsilon + " and momentum " + momentum
                    + "; lc4j needs epsilon > 0 and momentum in [0, 1)");
        }
        OnnxModel.Binding layer = in.foldBatchNorm ? foldable(node, in) : null;
        if (layer != null) {
            fold(node, in, layer, statistics, epsilon, where);
            return;
        }
        String name = in.name(node, node.getInput(1));
        Op.BatchNorm op;
        try {
            // ONNX stores them as float32: read back the decimal a writer gave (1e-5, not 9.99999974e-6)
            op = new Op.BatchNorm(
                    Double.parseDouble(Float.toString(epsilon)), Double.parseDouble(Float.toString(momentum)));
        } catch (IllegalArgumentException e) {
            throw in.error(where + ": " + e.getMessage(), e);
        }
        List<Role> roles = OnnxModel.NormalizationBinding.roles();
        for (int i = 0; i < 4; i++) {
            in.value(name, roles.get(i), statistics[i]);
        }
        in.add(node, name, op, x);
        in.bind(new OnnxModel.NormalizationBinding(
                name, node.getInput(1), node.getInput(2), node.getInput(3), node.getInput(4)));
    }

    /** The dense or convolution layer whose output only {@code node} reads, or null. */
    private static OnnxModel.Binding foldable(NodeProto node, GraphImport in) {
        String input = node.getInput(0);
        List<NodeProto> readers = in.graph.consumers(input).stream()
                .filter(reader -> !reader.getOpType().equals("Shape"))
                .toList();
        if (readers.size() != 1) {
            return null;
        }
        return in.layerWithOutput(input)
                .filter(binding -> binding.normalization() == null)
                .orElse(null);
    }

    private static void fold(
            NodeProto node,
            GraphImport in,
            OnnxModel.Binding layer,
            float[][] statistics,
            double epsilon,
            String where) {
        float[] weight = in.value(layer.layer(), Role.WEIGHT);
        int channels = statistics[0].length;
        float[] bias = in.value(layer.layer(), Role.BIAS);
        if (bias == null) {
            bias = new float[channels];
            in.value(layer.layer(), Role.BIAS, bias);
            Op op = in.op(layer.layer());
            Op biased;
            if (op instanceof Op.Dense dense) {
                biased = new Op.Dense(dense.units(), true);
            } else if (op instanceof Op.Conv2d conv) {
                biased = new Op.Conv2d(conv.filters(), conv.window(), conv.groups(), true);
            } else {
                throw new IllegalStateException(where + " folds into " + op + ", which is neither Dense nor Conv2d");
            }
            in.replaceOp(layer.layer(), biased);
        }
        boolean dense = layer.kind() != OnnxModel.Kind.CONV;
        int perChannel = weight.length / channels;
        for (int channel = 0; channel < channels; channel++) {
            double variance = statistics[3][channel] + epsilon;
            if (!(variance > 0)) {
                throw in.error(where + ": variance + epsilon of channel " + channel + " is " + variance);
            }
            double scale = statistics[0][channel] / Math.sqrt(variance);
            for (int i = 0; i < perChannel; i++) {
                int position = dense ? i * channels + channel : channel * perChannel + i;
                weight[position] = (float) (scale * weight[position]);
            }
            bias[channel] = (float) (scale * (bias[channel] - statistics[2][channel]) + statistics[1][channel]);
        }
        in.replaceBinding(layer, layer.withNormalization(node.getOutput(0)));
        in.alias(node, in.activation(node, 0));
    }

    // ------------------------------------------------------------------------------- joins

    private static void binary(NodeProto node, GraphImport in, Op op) {
        String where = describe(node);
        for (int i = 0; i < 2; i++) {
            if (!in.isActivation(node.getInput(i))) {
                throw in.error(where + " " + (op instanceof Op.Add ? "adds" : "multiplies by") + " the constant '"
                        + node.getInput(i) + "'; lc4j imports " + node.getOpType() + " of two computed tensors"
                        + (op instanceof Op.Add ? " (or the bias Add right after a MatMul)" : ""));
            }
        }
        Tensor a = in.activation(node, 0);
        Tensor b = in.activation(node, 1);
        in.add(node, in.name(node, null), op, a, b);
    }

    private static void concat(NodeProto node, GraphImport in) {
        Tensor first = in.activation(node, 0);
        int rank = first.shape().length + 1;
        long axis = intAttribute(node, "axis", 1);
        if (axis != 1 && axis != 1 - rank) {
            throw in.error(
                    describe(node) + " concatenates along axis " + axis + "; lc4j concatenates channels" + " (axis 1)");
        }
        if (node.getInputCount() == 1) {
            in.alias(node, first);
            return;
        }
        Tensor[] inputs = new Tensor[node.getInputCount()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = in.activation(node, i);
        }
        in.add(node, in.name(node, null), new Op.Concat(), inputs);
    }

    // ------------------------------------------------------------------------------- element-wise

    private static void unary(NodeProto node, GraphImport in, Op op) {
        in.add(node, in.name(node, null), op, in.activation(node, 0));
    }

    /**
     * HardSigmoid as half of a hard swish: below opset 14, PyTorch writes {@code Hardswish} as
     * {@code Mul(x, HardSigmoid(x; alpha = 1/6, beta = 0.5))}.
     */
    private static void hardSigmoid(NodeProto node, GraphImport in) {
        Tensor x = in.activation(node, 0);
        float alpha = floatAttribute(node, "alpha", 0.2f);
        float beta = floatAttribute(node, "beta", 0.5f);
        List<NodeProto> readers = in.graph.consumers(node.getOutput(0));
        NodeProto mul = readers.size() == 1 && readers.get(0).getOpType().equals("Mul") ? readers.get(0) : null;
        boolean swish = mul != null
                && Math.abs(alpha - 1.0 / 6) < 1e-6
                && beta == 0.5f
                && mul.getInputList().contains(node.getInput(0))
                && mul.getInputList().contains(node.getOutput(0));
        if (!swish) {
            throw in.error(describe(node) + " (alpha " + alpha + ", beta " + beta + ") is not half of a hard swish;"
                    + " lc4j imports HardSigmoid only as x·HardSigmoid(x) with alpha 1/6 and beta 0.5");
        }
        in.absorb(mul);
        in.add(mul, in.name(mul, null), new Op.HardSwish(), x);
    }

    /** Clip: bounds as attributes before opset 11, as optional constant inputs from 11. */
    private static void clip(NodeProto node, GraphImport in) {
        float min = -Float.MAX_VALUE;
        float max = Float.MAX_VALUE;
        if (in.opset < 11) {
            min = floatAttribute(node, "min", min);
            max = floatAttribute(node, "max", max);
        } else {
            if (node.getInputCount() > 1 && !node.getInput(1).isEmpty()) {
                min = scalar(node, in, 1);
            }
            if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
                max = scalar(node, in, 2);
            }
        }
        if (!(min <= max)) {
            throw in.error(describe(node) + " clips to [" + min + ", " + max + "], an empty range");
        }
        unary(node, in, new Op.Clip(min, max));
    }

    private static float scalar(NodeProto node, GraphImport in, int index) {
        float[] values = in.constants.floats(node.getInput(index), describe(node));
        if (values.length != 1) {
            throw in.error(describe(node) + ": its bound '" + node.getInput(index) + "' holds " + values.length
                    + " values; lc4j needs a scalar");
        }
        return values[0];
    }

    // ------------------------------------------------------------------------------- pooling

    private static void pool(NodeProto node, GraphImport in, boolean max) {
        String where = describe(node);
        Tensor x = in.activation(node, 0);
        if (x.shape().length != 3) {
            throw in.error(where + " receives per-sample shape " + Arrays.toString(x.shape()) + "; pooling needs"
                    + " [channels, height, width]");
        }
        long[] kernel = intsAttribute(node, "kernel_shape");
        if (kernel == null || kernel.length != 2 || kernel[0] < 1 || kernel[1] < 1) {
            throw in.error(where + " has kernel_shape " + Arrays.toString(kernel) + "; lc4j pools 2-D windows");
        }
        if (max && intAttribute(node, "storage_order", 0) != 0) {
            throw in.error(where + " has storage_order 1; lc4j imports row-major pooling");
        }
        Window window = window(node, in, x.shape(), (int) kernel[0], (int) kernel[1], false);
        Op op = max
                ? new Op.MaxPool(window)
                : new Op.AveragePool(window, intAttribute(node, "count_include_pad", 0) != 0);
        in.add(node, in.name(node, null), op, x);
    }

    /**
     * A convolution's or pooling's window from its strides, dilations, pads (per side) or auto_pad;
     * ceil_mode is accepted where it does not change the output size.
     */
    private static Window window(NodeProto node, GraphImport in, int[] shape, int kh, int kw, boolean dilationAllowed) {
        String where = describe(node);
        long[] strides = pair(node, in, "strides");
        long[] dilations = pair(node, in, "dilations");
        if (!dilationAllowed && (dilations[0] != 1 || dilations[1] != 1)) {
            throw in.error(where + " has dilations " + Arrays.toString(dilations) + "; lc4j pools without dilation");
        }
        long[] pads = new long[4];
        String autoPad = stringAttribute(node, "auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET" -> {
                long[] given = intsAttribute(node, "pads");
                if (given != null) {
                    if (given.length != 4 || Arrays.stream(given).anyMatch(p -> p < 0)) {
                        throw in.error(where + " has pads " + Arrays.toString(given) + "; lc4j needs four"
                                + " non-negative pads (top, left, bottom, right)");
                    }
                    pads = given;
                }
            }
            case "VALID" -> {
                // no padding
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] kernels = {kh, kw};
                for (int axis = 0; axis < 2; axis++) {
                    long size = shape[axis + 1];
                    long output = (size + strides[axis] - 1) / strides[axis];
                    long span = (kernels[axis] - 1) * dilations[axis] + 1;
                    long total = Math.max((output - 1) * strides[axis] + span - size, 0);
                    long small = total / 2;
                    pads[axis] = autoPad.equals("SAME_UPPER") ? small : total - small;
                    pads[axis + 2] = total - pads[axis];
                }
            }
            default -> throw in.error(where + " has unknown auto_pad '" + autoPad + "'");
        }
        Window window;
        try {
            window = new Window(
                    kh,
                    kw,
                    (int) strides[0],
                    (int) strides[1],
                    (int) pads[0],
                    (int) pads[1],
                    (int) pads[2],
                    (int) pads[3],
                    (int) dilations[0],
                    (int) dilations[1]);
        } catch (IllegalArgumentException e) {
            throw in.error(where + ": " + e.getMessage(), e);
        }
        if (intAttribute(node, "ceil_mode", 0) != 0) {
            int[] extents = {shape[1] + (int) (pads[0] + pads[2]), shape[2] + (int) (pads[1] + pads[3])};
            int[] spans = {(kh - 1) * (int) dilations[0] + 1, (kw - 1) * (int) dilations[1] + 1};
            for (int axis = 0; axis < 2; axis++) {
                if (extents[axis] < spans[axis] || (extents[axis] - spans[axis]) % strides[axis] != 0) {
                    throw in.error(where + " has ceil_mode 1, which changes the output size for input "
                            + Arrays.toString(shape) + "; lc4j uses floor rounding (ceil_mode 0)");
                }
            }
        }
        return window;
    }

    private static long[] pair(NodeProto node, GraphImport in, String attribute) {
        long[] values = intsAttribute(node, attribute);
        if (values == null) {
            return new long[] {1, 1};
        }
        if (values.length != 2 || values[0] < 1 || values[1] < 1) {
            throw in.error(describe(node) + " has " + attribute + " " + Arrays.toString(values)
                    + "; lc4j needs two positive values (height, width)");
        }
        return values;
    }

    /** ReduceMean over the spatial axes: a global average pooling, flattened when keepdims is 0. */
    private static void reduceMean(NodeProto node, GraphImport in) {
        String where = describe(node);
        Tensor x = in.activation(node, 0);
        long[] axes = in.opset >= 18
                ? (node.getInputCount() > 1 && !node.getInput(1).isEmpty()
                        ? in.constants.integers(node.getInput(1), where)
                        : null)
                : intsAttribute(node, "axes");
        int rank = x.shape().length + 1;
        long[] resolved = axes == null
                ? null
                : Arrays.stream(axes)
                        .map(axis -> axis < 0 ? axis + rank : axis)
                        .sorted()
                        .toArray();
        if (x.shape().length != 3 || resolved == null || !Arrays.equals(resolved, new long[] {2, 3})) {
            throw in.error(where + " averages axes " + (axes == null ? "all" : Arrays.toString(axes))
                    + " of per-sample shape " + Arrays.toString(x.shape()) + "; lc4j imports ReduceMean over the"
                    + " spatial axes [2, 3] of a map (a global average pooling)");
        }
        if (intAttribute(node, "keepdims", 1) != 0) {
            unary(node, in, new Op.GlobalAveragePool());
        } else {
            Tensor pooled = in.addNode(node, in.name(node, null), new Op.GlobalAveragePool(), x);
            in.add(node, in.name(node, null), new Op.Flatten(), pooled);
        }
    }

    // ------------------------------------------------------------------------------- shapes

    private static void flatten(NodeProto node, GraphImport in) {
        Tensor x = in.activation(node, 0);
        long axis = intAttribute(node, "axis", 1);
        if (axis != 1 && axis != 1 - (x.shape().length + 1)) {
            throw in.error(describe(node) + " flattens from axis " + axis + "; lc4j imports Flatten with axis 1"
                    + " (keep the batch dimension)");
        }
        in.reshape(node, x, new int[] {elements(x.shape())});
    }

    private static void reshape(NodeProto node, GraphImport in) {
        String where = describe(node);
        Tensor x = in.activation(node, 0);
        long[] target = in.constants.integers(node.getInput(1), where);
        boolean allowZero = intAttribute(node, "allowzero", 0) != 0;
        long[] full = new long[x.shape().length + 1];
        full[0] = ShapeEvaluator.BATCH;
        for (int i = 0; i < x.shape().length; i++) {
            full[i + 1] = x.shape()[i];
        }
        boolean batchFirst = target.length >= 2
                && (target[0] == ShapeEvaluator.BATCH || (target[0] == 0 && !allowZero) || target[0] == -1);
        int[] perSample = batchFirst ? new int[target.length - 1] : null;
        int inferred = -1;
        long known = 1;
        for (int i = 1; batchFirst && i < target.length; i++) {
            long size = target[i];
            if (size == 0 && !allowZero && i < full.length) {
                size = full[i];
            }
            if (size == -1 && inferred < 0 && target[0] != -1) {
                inferred = i - 1;
                continue;
            }
            if (size <= 0 || size > Integer.MAX_VALUE) {
                batchFirst = false;
                break;
            }
            perSample[i - 1] = (int) size;
            known *= size;
        }
        int count = elements(x.shape());
        if (batchFirst && inferred >= 0) {
            if (known == 0 || count % known != 0) {
                batchFirst = false;
            } else {
                perSample[inferred] = (int) (count / known);
                known = count;
            }
        }
        if (!batchFirst || known != count) {
            throw in.error(where + " reshapes per-sample shape " + Arrays.toString(x.shape()) + " to "
                    + ShapeEvaluator.render(target) + "; lc4j imports reshapes that keep the batch dimension first"
                    + " and the sample's " + count + " values");
        }
        in.reshape(node, x, perSample);
    }

    /** Squeeze and Unsqueeze of an activation: axes as an attribute before opset 13, as an input from 13. */
    private static void squeeze(NodeProto node, GraphImport in, boolean insert) {
        String where = describe(node);
        Tensor x = in.activation(node, 0);
        long[] axes = in.opset >= 13
                ? (node.getInputCount() > 1 && !node.getInput(1).isEmpty()
                        ? in.constants.integers(node.getInput(1), where)
                        : null)
                : intsAttribute(node, "axes");
        int rank = x.shape().length + 1;
        if (axes == null) {
            if (insert) {
                throw in.error(where + " has no axes");
            }
            int[] kept = Arrays.stream(x.shape()).filter(size -> size != 1).toArray();
            in.reshape(node, x, kept.length == 0 ? new int[] {1} : kept);
            return;
        }
        int outputRank = insert ? rank + axes.length : rank;
        Set<Long> picked = new TreeSet<>();
        for (long axis : axes) {
            long resolved = axis < 0 ? axis + outputRank : axis;
            if (resolved <= 0 || resolved >= outputRank || !picked.add(resolved)) {
                throw in.error(where + " has axes " + Arrays.toString(axes) + " for per-sample shape "
                        + Arrays.toString(x.shape()) + "; lc4j keeps the batch as axis 0 and needs distinct axes");
            }
        }
        java.util.List<Integer> shape = new java.util.ArrayList<>();
        if (insert) {
            int source = 0;
            for (int axis = 1; axis < outputRank; axis++) {
                shape.add(picked.contains((long) axis) ? 1 : x.shape()[source++]);
            }
        } else {
            for (int axis = 1; axis < rank; axis++) {
                if (picked.contains((long) axis)) {
                    if (x.shape()[axis - 1] != 1) {
                        throw in.error(where + " squeezes axis " + axis + " of size " + x.shape()[axis - 1]);
                    }
                } else {
                    shape.add(x.shape()[axis - 1]);
                }
            }
        }
        in.reshape(node, x, shape.stream().mapToInt(Integer::intValue).toArray());
    }

    private static void cast(NodeProto node, GraphImport in) {
        if (intAttribute(node, "to", TensorProto.DataType.FLOAT_VALUE) != TensorProto.DataType.FLOAT_VALUE) {
            throw in.error(describe(node) + " casts an activation to "
                    + OnnxTensors.typeName((int) intAttribute(node, "to", 0)) + "; lc4j computes in float32");
        }
        in.alias(node, in.activation(node, 0));
    }

    private static void dropout(NodeProto node, GraphImport in) {
        if (node.getInputCount() > 2
                && !node.getInput(2).isEmpty()
                && !Arrays.equals(new long[] {0}, in.constants.integers(node.getInput(2), describe(node)))) {
            throw in.error(describe(node) + " may run in training mode; lc4j imports Dropout as inference");
        }
        in.alias(node, in.activation(node, 0));
    }

    private static void softmax(NodeProto node, GraphImport in) {
        Tensor x = in.activation(node, 0);
        long axis = intAttribute(node, "axis", -1);
        boolean last = in.graph.proto().getGraph().getOutputCount() == 1
                && in.graph.proto().getGraph().getOutput(0).getName().equals(node.getOutput(0));
        if (!last || x.shape().length != 1 || (axis != 1 && axis != -1)) {
            throw in.error(describe(node) + " is not the last operator over the class scores; lc4j imports a"
                    + " (Log)Softmax only there, where its loss already applies it");
        }
        in.alias(node, x);
    }

    private static int elements(int[] shape) {
        return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }
}
