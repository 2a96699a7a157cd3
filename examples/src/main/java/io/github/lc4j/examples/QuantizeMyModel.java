package io.github.lc4j.examples;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.Lc4j;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A host application that embeds lc4j: it describes its own net, reads its weights from one
 * {@code <parameter>.npy} file per parameter, quantizes every layer to K values with LC through
 * the {@link Lc4j} facade (printing progress from a listener), and writes the quantized weights
 * as {@code .npy} files.
 *
 * <pre>
 * java -cp ... io.github.lc4j.examples.QuantizeMyModel WEIGHTS_DIR OUTPUT_DIR [K]
 * </pre>
 */
public final class QuantizeMyModel {
    private QuantizeMyModel() {}

    /** The host's own net: 784-64-10 with ReLU. */
    public static ModelSpec model() {
        return ModelSpec.of(
                "host-mlp",
                new int[] {1, 28, 28},
                List.of(Layer.flatten(), Layer.dense("hidden", 64), Layer.relu(), Layer.dense("output", 10)));
    }

    /** Returns the LC run of the example: every layer to K values, six μ values, one epoch each. */
    public static CompressionRequest request(Path weightsDirectory, int k, LcListener listener) {
        ModelSpec model = model();
        return CompressionRequest.builder()
                .model(model)
                .reference(readWeights(model, weightsDirectory))
                .data(DataSets.embeddedFashionMnist())
                .codebook(Codebook.adaptive(k))
                .schedule(MuSchedule.exponential(5e-3, 1.5, 6))
                .optimizer(OptimizerSpec.builder()
                        .optLearningRate(0.05)
                        .optBatchSize(128)
                        .optEpochsPerStep(1)
                        .build())
                .listener(listener)
                .build();
    }

    /** Runs the example on the default backend; returns the LC result. */
    public static LcResult run(Path weightsDirectory, Path outputDirectory, int k) {
        LcListener progress = new LcListener() {
            @Override
            public void onIterationEnd(IterationRecord record, int iterations) {
                System.out.printf(Locale.ROOT, "iteration %d/%d  mu=%.3g  quantized test error %.2f%%%n",
                        record.iteration(), iterations, record.mu(), 100 * record.test().errorRate());
            }
        };
        LcResult result = Lc4j.create().compress(request(weightsDirectory, k, progress));
        writeWeights(model(), result.quantized(), outputDirectory);
        System.out.printf(Locale.ROOT, "%d iterations, compression ratio %.1f, quantized weights in %s%n",
                result.history().size(), result.compressionRatio(), outputDirectory);
        return result;
    }

    /** Entry point: {@code WEIGHTS_DIR OUTPUT_DIR [K]}. */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: QuantizeMyModel WEIGHTS_DIR OUTPUT_DIR [K]");
            System.exit(2);
        }
        run(Path.of(args[0]), Path.of(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 4);
    }

    /**
     * Reads {@code <parameter>.npy} for every parameter of {@code model}, each checked against the
     * parameter's shape (arrays saved from a PyTorch state dict: read them with Layout.PYTORCH).
     */
    public static Weights readWeights(ModelSpec model, Path directory) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (ParameterSpec parameter : model.parameters()) {
            values.put(
                    parameter.name(),
                    Lc4j.readParameter(
                            directory.resolve(parameter.name() + ".npy"), model, parameter.name(), Lc4j.Layout.LC4J));
        }
        return Weights.of(model, values);
    }

    /** Writes {@code <parameter>.npy} for every parameter of {@code model}, each atomically. */
    public static void writeWeights(ModelSpec model, Weights weights, Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
        for (ParameterSpec parameter : model.parameters()) {
            Lc4j.writeArray(directory.resolve(parameter.name() + ".npy"), parameter.shape(),
                    weights.get(parameter.name()));
        }
    }
}
