package io.github.lc4j.cli;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.zoo.ModelZoo;
import io.github.lc4j.onnx.OnnxExporter;
import io.github.lc4j.onnx.OnnxGraphWriter;
import io.github.lc4j.onnx.OnnxImporter;
import io.github.lc4j.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The net a command works on: a zoo net by name (its weights from an {@code .npz}), or an ONNX
 * file that brings its own weights; and where quantized weights go: {@code .onnx} (plain or
 * compact) or {@code .npz}.
 */
final class ModelSource {
    private final ModelSpec model;
    private final OnnxModel onnx;

    private ModelSource(ModelSpec model, OnnxModel onnx) {
        this.model = model;
        this.onnx = onnx;
    }

    /** A zoo net's name, or a path ending in {@code .onnx} read with its BatchNormalizations as nodes. */
    static ModelSource resolve(String model) {
        return resolve(model, false);
    }

    /**
     * A zoo net's name, or a path ending in {@code .onnx}; with {@code foldBatchNorm} each ONNX
     * BatchNormalization right after a layer is folded into it.
     */
    static ModelSource resolve(String model, boolean foldBatchNorm) {
        if (isOnnx(model)) {
            OnnxModel imported = OnnxImporter.read(Path.of(model), foldBatchNorm);
            return new ModelSource(imported.model(), imported);
        }
        return new ModelSource(ModelZoo.byName(model), null);
    }

    /**
     * Checks, before anything runs, that {@code data}'s samples fit {@code model}: as many values
     * per sample for any model (lc4j reads each sample flat), and the very shape for an ONNX file,
     * which ONNX Runtime feeds as it is.
     *
     * @throws InvalidInputException naming both shapes
     */
    static void checkData(String modelName, ModelSpec model, Dataset data, String source) {
        int[] expected = model.inputShape();
        int[] actual = data.sampleShape();
        boolean fits =
                isOnnx(modelName) ? java.util.Arrays.equals(expected, actual) : model.inputSize() == data.sampleSize();
        if (!fits) {
            throw new InvalidInputException("the data " + source + " has samples of shape "
                    + java.util.Arrays.toString(actual) + " but " + modelName + " takes "
                    + java.util.Arrays.toString(expected) + " per sample"
                    + (isOnnx(modelName) && model.inputSize() == data.sampleSize()
                            ? "; reshape the arrays to [samples, "
                                    + java.util.Arrays.toString(expected).replaceAll("[\\[\\]]", "")
                                    + "] (an ONNX net is fed its inputs as they are)"
                            : ""));
        }
    }

    static boolean isOnnx(String name) {
        return name != null && name.toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    ModelSpec model() {
        return model;
    }

    /**
     * The reference: the ONNX file's own weights, or for a zoo net the {@code .npz} given with
     * {@code option}.
     */
    Weights reference(Path npz, String option) {
        if (npz != null) {
            return Lc4j.readWeights(npz, model);
        }
        if (onnx == null) {
            throw new InvalidInputException(option + " FILE.npz is required for zoo model " + model.name()
                    + " (train one with 'lc4j train'); an ONNX model (--model net.onnx) brings its own weights");
        }
        return onnx.weights();
    }

    /** Checks, before any work, that {@code output} and {@code compact} go together. */
    void checkOutput(Path output, boolean compact) {
        boolean toOnnx = output != null && isOnnx(output.toString());
        if (compact && !toOnnx) {
            throw new InvalidInputException("--compact writes an ONNX file; give --output FILE.onnx, got "
                    + (output == null ? "no --output" : "--output " + output));
        }
        if (compact && onnx != null) {
            // lc4j writes its own nets at opset 13; a user's file may be older
            OnnxExporter.checkCompact(onnx);
        }
    }

    /** Writes {@code weights} to {@code output}: ONNX for {@code .onnx}, else {@code .npz}. */
    void write(Path output, Weights weights, boolean compact) {
        if (isOnnx(output.toString())) {
            OnnxExporter.write(onnxModel(weights), weights, output, compact);
        } else {
            Lc4j.writeWeights(output, model, weights);
        }
    }

    /**
     * The bytes a compact ONNX file of this net holds beyond what ρ counts (graph, unpacking
     * operators, metadata), with the weights named in {@code compressed} quantized.
     */
    long compactGraphBytes(Weights weights, java.util.Collection<String> compressed) {
        return OnnxExporter.compactGraphBytes(onnxModel(weights), weights, compressed);
    }

    private OnnxModel onnxModel(Weights weights) {
        return onnx != null ? onnx : OnnxGraphWriter.fromModel(model, weights);
    }
}
