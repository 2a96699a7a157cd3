package io.github.lc4j.onnx;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CompressionRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A classifier exported to ONNX, as a host compresses it with the {@link io.github.lc4j.core.Lc4j}
 * facade: read it from a file, bytes or a stream, start a {@link #compression()} request with its
 * own weights as the reference, and write the quantized net back into its graph, plain or compact
 * (codebooks plus bit-packed codes that standard operators unpack).
 *
 * <pre>{@code
 * OnnxNet net = OnnxNet.read(Path.of("net.onnx"));
 * LcResult result = lc4j.compress(net.compression().data(data).codebook(Codebook.adaptive(4)).build());
 * net.writeCompact(Path.of("net-q.onnx"), result.quantized());
 * }</pre>
 */
public final class OnnxNet {
    private final OnnxModel source;

    private OnnxNet(OnnxModel source) {
        this.source = source;
    }

    /**
     * Reads the ONNX file {@code file} (weights in external data files next to it included).
     *
     * @throws InvalidInputException naming the file and what is wrong: not ONNX, damaged, an
     *                               unsupported operator (every such node listed), bad weights
     */
    public static OnnxNet read(Path file) {
        return new OnnxNet(OnnxImporter.read(requireNonNull(file, "file is null")));
    }

    /**
     * Reads {@code file}; with {@code foldBatchNorm}, each BatchNormalization right after a Conv,
     * Gemm or MatMul is folded into that layer (inference form) instead of trained as a node.
     *
     * @throws InvalidInputException as {@link #read(Path)} does
     */
    public static OnnxNet read(Path file, boolean foldBatchNorm) {
        return new OnnxNet(OnnxImporter.read(requireNonNull(file, "file is null"), foldBatchNorm));
    }

    /**
     * Reads an ONNX model from {@code bytes}; {@code name} names it in errors and in its ModelSpec.
     *
     * @throws InvalidInputException as {@link #read(Path)} does
     */
    public static OnnxNet read(byte[] bytes, String name) {
        return new OnnxNet(
                OnnxImporter.read(requireNonNull(bytes, "bytes is null"), requireNonNull(name, "name is null")));
    }

    /**
     * Reads an ONNX model from {@code stream} to its end (the caller closes it); {@code name} names
     * it in errors and in its ModelSpec.
     *
     * @throws InvalidInputException as {@link #read(Path)} does, or when the stream cannot be read
     */
    public static OnnxNet read(InputStream stream, String name) {
        requireNonNull(stream, "stream is null");
        try {
            return read(stream.readAllBytes(), name);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read ONNX model " + name + ": " + e, e);
        }
    }

    /** Returns the net as lc4j trains it. */
    public ModelSpec model() {
        return source.model();
    }

    /** Returns the net's own weights (its initializers), in lc4j's layout. */
    public Weights weights() {
        return source.weights();
    }

    /**
     * Returns a compression request with this net as the model and its own weights as the
     * reference; add the data and the codebook (and any other setting) and build it.
     */
    public CompressionRequest.Builder compression() {
        return CompressionRequest.builder().model(model()).reference(weights());
    }

    /** Writes {@code weights} (e.g. an LC result's quantized net) into this net's graph as float32, atomically. */
    public void write(Path output, Weights weights) {
        OnnxExporter.write(
                source, requireNonNull(weights, "weights is null"), requireNonNull(output, "output is null"), false);
    }

    /**
     * Writes {@code weights} into this net's graph with each quantized weight stored as its
     * codebook and bit-packed codes (a file about ρ times smaller that ONNX Runtime runs as it is),
     * atomically.
     *
     * @throws InvalidInputException when the graph's opset cannot unpack codes (below 11) or a
     *                               compressed weight has more than 256 distinct values
     */
    public void writeCompact(Path output, Weights weights) {
        OnnxExporter.checkCompact(source);
        OnnxExporter.write(
                source, requireNonNull(weights, "weights is null"), requireNonNull(output, "output is null"), true);
    }
}
