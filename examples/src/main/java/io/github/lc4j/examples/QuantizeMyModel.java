package io.github.lc4j.examples;

import com.google.inject.AbstractModule;
import com.google.inject.util.Modules;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.Lc4jModule;
import io.github.lc4j.core.cstep.CStepSolver;
import io.github.lc4j.core.cstep.CStepSolverFactory;
import io.github.lc4j.core.cstep.CStepSolvers;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.io.AtomicFiles;
import io.github.lc4j.core.io.NpyArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host application that embeds lc4j: it describes its own net, reads its weights from one
 * {@code <parameter>.npy} file per parameter, quantizes every layer to K values with LC through
 * the Java API (printing progress from a listener), overrides one Guice binding (the C-step solver
 * factory, here to count C steps), and writes the quantized weights as {@code .npy} files.
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

    /** Runs the example; returns the LC result. */
    public static LcResult run(Path weightsDirectory, Path outputDirectory, int k) {
        ModelSpec model = model();
        Weights reference = readWeights(model, weightsDirectory);
        TrainTestSplit data = DataSets.embeddedFashionMnist();

        AtomicInteger cSteps = new AtomicInteger();
        CStepSolverFactory counting = (codebook, seed, kernels) -> {
            CStepSolver solver = CStepSolvers.forCodebook(codebook, seed, kernels);
            return (x, previous) -> {
                cSteps.incrementAndGet();
                return solver.solve(x, previous);
            };
        };
        Lc4j lc4j = Lc4j.create(Modules.override(new Lc4jModule()).with(new AbstractModule() {
            @Override
            protected void configure() {
                bind(CStepSolverFactory.class).toInstance(counting);
            }
        }));

        LcOptions options = LcOptions.builder()
                .setTasks(CompressionTask.perLayer(model, Codebook.adaptive(k)))
                .optMuSchedule(MuSchedule.exponential(5e-3, 1.5, 6))
                .optOptimizer(OptimizerSpec.builder()
                        .optLearningRate(0.05)
                        .optBatchSize(128)
                        .optEpochsPerStep(1)
                        .build())
                .build();
        LcListener progress = new LcListener() {
            @Override
            public void onIterationEnd(IterationRecord record, int iterations) {
                System.out.printf(
                        Locale.ROOT,
                        "iteration %d/%d  mu=%.3g  quantized test error %.2f%%%n",
                        record.iteration(),
                        iterations,
                        record.mu(),
                        100 * record.test().errorRate());
            }
        };
        LcResult result = lc4j.compress(null, model, reference, data, options, progress);
        writeWeights(model, result.quantized(), outputDirectory);
        System.out.printf(
                Locale.ROOT,
                "%d C steps, compression ratio %.1f, quantized weights in %s%n",
                cSteps.get(),
                result.compressionRatio(),
                outputDirectory);
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

    /** Reads {@code <parameter>.npy} for every parameter of {@code model}. */
    public static Weights readWeights(ModelSpec model, Path directory) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (ParameterSpec parameter : model.parameters()) {
            Path file = directory.resolve(parameter.name() + ".npy");
            try (InputStream in = Files.newInputStream(file)) {
                values.put(parameter.name(), NpyArray.read(in, file.toString()).toFloats());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
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
            NpyArray array = NpyArray.ofFloats(parameter.shape(), weights.get(parameter.name()));
            AtomicFiles.write(directory.resolve(parameter.name() + ".npy"), array::write);
        }
    }
}
