package io.github.lc4j.integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Capability;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.nd4j.Nd4jBackendProvider;
import io.github.lc4j.backend.tck.TckFixtures;
import io.github.lc4j.backend.tensorflow.TensorFlowBackendProvider;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An LC run stopped inside an L step and resumed from its checkpoint ends where the uninterrupted
 * run ends, on every backend: bit for bit on a deterministic backend, within 0.2 points of test
 * error otherwise.
 */
class CheckpointResumeIT {

    static Stream<BackendProvider> providers() {
        return Stream.of(new CpuJavaBackendProvider(), new Nd4jBackendProvider(), new TensorFlowBackendProvider());
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return providers()
                .flatMap(provider -> Stream.of(
                        org.junit.jupiter.params.provider.Arguments.of(provider, dense()),
                        org.junit.jupiter.params.provider.Arguments.of(provider, normalizedResidual())));
    }

    private static ModelSpec dense() {
        return ModelSpec.of(
                "resume-dense",
                new int[] {6},
                List.of(Layer.dense("d1", 5), Layer.tanh(), Layer.dense("d2", 4), Layer.relu(), Layer.dense("d3", 3)));
    }

    /** Batch normalization (running statistics: weights a checkpoint keeps without momentum) and a shortcut. */
    private static ModelSpec normalizedResidual() {
        ModelSpec.Builder b = ModelSpec.builder("resume-bn", new int[] {2, 4, 4});
        io.github.lc4j.api.Window same = io.github.lc4j.api.Window.square(3, 1, 1);
        String conv = b.add("conv", new io.github.lc4j.api.Op.Conv2d(3, same, 1, false), ModelSpec.INPUT);
        String bn = b.add("bn", io.github.lc4j.api.Op.BatchNorm.defaults(), conv);
        String relu = b.add("relu", new io.github.lc4j.api.Op.Relu(), bn);
        String conv2 = b.add("conv2", new io.github.lc4j.api.Op.Conv2d(3, same, 1, true), relu);
        String sum = b.add("sum", new io.github.lc4j.api.Op.Add(), conv2, relu);
        String pooled = b.add("pool", new io.github.lc4j.api.Op.GlobalAveragePool(), sum);
        b.add(
                "scores",
                new io.github.lc4j.api.Op.Dense(3, true),
                b.add("flat", new io.github.lc4j.api.Op.Flatten(), pooled));
        return b.build();
    }

    private static Dataset randomDataset(ModelSpec model, int size, long seed) {
        Batch batch = TckFixtures.randomBatch(model, size, seed);
        return new Dataset("random-" + seed, model.inputShape(), batch.inputs(), batch.labels());
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void aStoppedRunResumesFromItsCheckpoint(BackendProvider provider, ModelSpec model, @TempDir Path folder) {
        Weights reference = TckFixtures.randomWeights(model, 95);
        Lc4j lc4j = Lc4j.builder()
                // only the provider under test: a class loader that finds no services
                .classLoader(new ClassLoader(null) {})
                .addProvider(provider)
                .backend(provider.name())
                .threads(2)
                .build();
        TrainTestSplit data =
                new TrainTestSplit(randomDataset(model, 600, 96), randomDataset(model, 1000, 97), "random");
        Function<LcListener, CompressionRequest.Builder> request = listener -> CompressionRequest.builder()
                .model(model)
                .reference(reference)
                .data(data)
                .codebook(Codebook.adaptive(2))
                .schedule(MuSchedule.exponential(0.01, 2, 3))
                .optimizer(OptimizerSpec.builder()
                        .optLearningRate(0.05)
                        .optBatchSize(50)
                        .optEpochsPerStep(2)
                        .build())
                .listener(listener);
        LcResult uninterrupted = lc4j.compress(request.apply(LcListener.NONE).build());
        LcListener stopInTheSecondLStep = new LcListener() {
            @Override
            public void onProgress(String phase, long done, long total, double recentLoss) {
                if (phase.startsWith("L step 2") && done >= 17) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        assertThrows(
                CancellationException.class,
                () -> lc4j.compress(request.apply(stopInTheSecondLStep)
                        .checkpoints(folder)
                        .checkpointInterval(Duration.ofHours(1))
                        .build()));
        assertTrue(Thread.interrupted(), "the interrupt stays set for the caller to see");
        LcResult resumed =
                lc4j.compress(request.apply(LcListener.NONE).resumeFrom(folder).build());
        boolean deterministic =
                provider.create(BackendConfig.withThreads(1)).capabilities().contains(Capability.DETERMINISTIC);
        if (deterministic) {
            for (String name : uninterrupted.quantized().names()) {
                assertArrayEquals(
                        uninterrupted.quantized().get(name),
                        resumed.quantized().get(name),
                        0f,
                        "resumed run ended elsewhere (" + name + ")");
            }
        }
        Evaluation before = lc4j.evaluate(model, uninterrupted.quantized(), data.test());
        Evaluation after = lc4j.evaluate(model, resumed.quantized(), data.test());
        assertEquals(before.errorRate(), after.errorRate(), 0.002, "test error of the resumed run");
    }
}
