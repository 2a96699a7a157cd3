package io.github.lc4j.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.github.lc4j.api.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What an ONNX file stores per parameter: floats or codes, the codebook, the bits, and the
 * compression ratio ρ of the whole file's parameters against float32.
 */
public final class OnnxInspector {
    /** Codebook values printed per parameter. */
    private static final int LISTED_VALUES = 8;

    /**
     * One parameter.
     *
     * @param name       the initializer (or compact weight) name
     * @param dims       its dimensions
     * @param storage    {@code float32} or {@code codes}
     * @param codebook   the codebook values (per channel: every codebook's); for floats, the
     *                   distinct values when there are few (a quantized weight stored plainly), else empty
     * @param size       the codebook size K (per codebook), the number of distinct floats when
     *                   there are few, else 0
     * @param perChannel whether each output channel has its own codebook
     * @param bits       bits per stored value: 32 for floats, the code width otherwise
     * @param bytes      bytes the parameter occupies (codes plus codebook, or floats)
     */
    public record Parameter(
            String name,
            long[] dims,
            String storage,
            float[] codebook,
            int size,
            boolean perChannel,
            int bits,
            long bytes) {

        /** Returns the number of values. */
        public long count() {
            return Arrays.stream(dims).reduce(1, (a, b) -> a * b);
        }
    }

    /**
     * The whole file.
     *
     * @param file       the file
     * @param fileBytes  its size
     * @param parameters every parameter, in initializer order
     */
    public record Inspection(Path file, long fileBytes, List<Parameter> parameters) {
        /** The parameters' float32 size over the bytes they take in this file. */
        public double compressionRatio() {
            long floats = 0;
            long stored = 0;
            for (Parameter parameter : parameters) {
                floats += parameter.count() * Float.BYTES;
                stored += parameter.bytes();
            }
            return stored == 0 ? 1 : (double) floats / stored;
        }

        /** Prints a table, one parameter per row, and the totals. */
        public void print(PrintWriter out) {
            out.printf(Locale.ROOT, "%s: %,d bytes%n", file, fileBytes);
            out.printf(
                    Locale.ROOT,
                    "%-28s %-16s %-8s %5s %4s  %s%n",
                    "parameter",
                    "shape",
                    "stored",
                    "K",
                    "bits",
                    "codebook");
            long floats = 0;
            for (Parameter parameter : parameters) {
                floats += parameter.count() * Float.BYTES;
                String shape = Arrays.toString(parameter.dims()).replace(" ", "");
                String k = parameter.size() == 0 ? "-" : parameter.size() + (parameter.perChannel() ? "/ch" : "");
                out.printf(
                        Locale.ROOT,
                        "%-28s %-16s %-8s %5s %4d  %s%n",
                        parameter.name(),
                        shape,
                        parameter.storage(),
                        k,
                        parameter.bits(),
                        values(parameter));
            }
            out.printf(
                    Locale.ROOT,
                    "parameters: %,d values, %,d bytes as float32, %,d bytes here; ρ = %.1f%n",
                    parameters.stream().mapToLong(Parameter::count).sum(),
                    floats,
                    parameters.stream().mapToLong(Parameter::bytes).sum(),
                    compressionRatio());
            out.flush();
        }

        private static String values(Parameter parameter) {
            float[] codebook = parameter.codebook();
            int shown = Math.min(codebook.length, LISTED_VALUES);
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < shown; i++) {
                text.append(i > 0 ? " " : "").append(String.format(Locale.ROOT, "%.4g", codebook[i]));
            }
            return text + (codebook.length > shown ? " … (" + codebook.length + " values)" : "");
        }
    }

    private OnnxInspector() {}

    /**
     * Prints {@code model}'s graph as lc4j trains it, one node per row: its name, op, inputs and
     * per-sample output shape, and for a dense or convolution node how the file stores its weight
     * (from {@code inspection} of the same file): floats, or codes with K and bits.
     */
    public static void printGraph(OnnxModel model, Inspection inspection, PrintWriter out) {
        Map<String, String> weightOf = new HashMap<>();
        for (OnnxModel.Binding binding : model.bindings()) {
            weightOf.put(binding.layer(), binding.weight());
        }
        Map<String, Parameter> stored = new HashMap<>();
        inspection.parameters().forEach(parameter -> stored.put(parameter.name(), parameter));
        io.github.lc4j.api.ModelSpec spec = model.model();
        out.printf(
                Locale.ROOT,
                "graph: %d nodes, %s input %s%n",
                spec.nodes().size(),
                spec.name(),
                Arrays.toString(spec.inputShape()));
        out.printf(Locale.ROOT, "%-28s %-14s %-30s %-14s %s%n", "node", "output", "inputs", "weight", "op");
        for (io.github.lc4j.api.ModelSpec.Step step : spec.steps()) {
            String name = step.name();
            String weight = "-";
            String initializer = weightOf.get(name);
            Parameter parameter = initializer == null ? null : stored.get(initializer);
            if (parameter != null) {
                weight = parameter.storage().equals("codes")
                        ? "K=" + parameter.size() + (parameter.perChannel() ? "/ch" : "") + " " + parameter.bits() + "b"
                        : parameter.size() > 0 ? "float, K=" + parameter.size() : "float32";
            }
            out.printf(
                    Locale.ROOT,
                    "%-28s %-14s %-30s %-14s %s%n",
                    name,
                    Arrays.toString(step.outputShape()).replace(" ", ""),
                    String.join(",", step.node().inputs()),
                    weight,
                    step.op());
        }
        out.flush();
    }

    /**
     * Inspects {@code file}.
     *
     * @throws InvalidInputException when it is not a readable ONNX model
     */
    public static Inspection inspect(Path file) {
        ModelProto model = OnnxGraph.parse(file);
        List<Parameter> parameters =
                parameters(model, "ONNX file " + file, file.toAbsolutePath().getParent());
        try {
            return new Inspection(file, Files.size(file), parameters);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read ONNX file " + file + ": " + e, e);
        }
    }

    /**
     * How {@code model} stores each parameter, in the order the graph first reads them; {@code
     * source} names the model in errors, {@code folder} holds its external data (null: none).
     */
    static List<Parameter> parameters(ModelProto model, String source, Path folder) {
        GraphProto graph = model.getGraph();
        List<Parameter> compact = new ArrayList<>();
        for (Unpacking.Stored weight : Unpacking.read(model, source)) {
            CompactCodes codes = weight.codes();
            compact.add(new Parameter(
                    weight.name(),
                    weight.dims(),
                    "codes",
                    codes.codebook(),
                    codes.size(),
                    codes.perChannel(),
                    codes.bits(),
                    codes.storedBytes()));
        }
        // every initializer the unpacking nodes read belongs to a compact weight, not to the net
        Set<String> unpackingParts = Unpacking.unpackingInputs(graph);
        List<Parameter> parameters = new ArrayList<>();
        for (TensorProto tensor : graph.getInitializerList()) {
            if (unpackingParts.contains(tensor.getName()) || tensor.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
                continue;
            }
            float[] values = OnnxTensors.floats(tensor, folder, "initializer '" + tensor.getName() + "'");
            float[] distinct = CompactCodes.distinct(values);
            // a float tensor with few distinct values is a quantized one stored plainly: say so
            boolean fewValues = distinct.length <= CompactCodes.MAX_CODEBOOK && distinct.length * 4L < values.length;
            parameters.add(new Parameter(
                    tensor.getName(),
                    OnnxTensors.dims(tensor),
                    "float32",
                    fewValues ? distinct : new float[0],
                    fewValues ? distinct.length : 0,
                    false,
                    32,
                    (long) values.length * Float.BYTES));
        }
        parameters.addAll(compact);
        Map<String, Integer> firstUse = new HashMap<>();
        for (int index = graph.getNodeCount() - 1; index >= 0; index--) {
            NodeProto node = graph.getNode(index);
            if (!Unpacking.isUnpacking(node)) {
                for (String input : node.getInputList()) {
                    firstUse.put(input, index);
                }
            }
        }
        parameters.sort(java.util.Comparator.comparingInt(
                parameter -> firstUse.getOrDefault(parameter.name(), Integer.MAX_VALUE)));
        return parameters;
    }
}
