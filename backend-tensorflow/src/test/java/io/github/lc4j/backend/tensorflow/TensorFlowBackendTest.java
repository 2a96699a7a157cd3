package io.github.lc4j.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.BackendUnavailableException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.nd4j.Nd4jBackendProvider;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.registry.BackendRegistry;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TensorFlow against the pure-Java backend, next to ND4J in one JVM, its load failure, and leaks. */
class TensorFlowBackendTest {
    /** Largest growth of the resident set allowed between step 2,000 and step 20,000. */
    static final long RESIDENT_GROWTH_BOUND_BYTES = 64L << 20;

    @Test
    void theEvaluatorBuildsNoGradientOps() {
        ModelSpec model = ModelZoo.lenet5();
        Backend tensorflow = new TensorFlowBackendProvider().create(BackendConfig.withThreads(1));
        try (TensorFlowEvaluator evaluator = (TensorFlowEvaluator) tensorflow.newEvaluator(model)) {
            var types = evaluator.operationTypes();
            assertTrue(types.contains("Conv2D") && types.contains("MaxPoolV2"), "forward ops expected: " + types);
            for (String type : types) {
                assertTrue(
                        !type.contains("Grad") && !type.contains("Backprop") && !type.startsWith("Apply"),
                        "an inference-only graph holds " + type + ": " + types);
            }
        }
        try (Trainer trainer = tensorflow.newTrainer(model, TrainerOptions.plainSgd())) {
            assertTrue(trainer instanceof TensorFlowTrainer, "the trainer is a full training graph");
        }
    }

    @Test
    void coexistsWithNd4jInOneJvm() {
        ModelSpec model = ModelZoo.lenet300Relu();
        Weights initial = WeightInitializer.initialize(model, 5);
        Batch batch = DataSets.embeddedFashionMnist().test().range(0, 32);
        Backend nd4j = new Nd4jBackendProvider().create(BackendConfig.withThreads(1));
        Backend tensorflow = new TensorFlowBackendProvider().create(BackendConfig.withThreads(1));
        TrainerOptions options = TrainerOptions.plainSgd();
        try (Trainer first = nd4j.newTrainer(model, options);
                Trainer second = tensorflow.newTrainer(model, options)) {
            first.load(initial);
            second.load(initial);
            double a = first.step(batch, 0.1);
            double b = second.step(batch, 0.1);
            assertEquals(a, b, 1e-5 * a, "ND4J and TensorFlow disagree on one step in the same JVM");
            assertEquals(
                    first.evaluate(batch).meanLoss(), second.evaluate(batch).meanLoss(), 1e-4);
        }
    }

    @Test
    void automaticDevicePlacementFallsBackToTheCpuWithoutAGpu() {
        // a machine with a GPU (and the gpu profile's natives) has nothing to fall back from: skip, visibly
        org.junit.jupiter.api.Assumptions.assumeFalse(
                TensorFlowBackendProvider.gpuPresent(), "this machine has a GPU; the CPU fallback cannot be observed");
        TensorFlowBackend backend =
                (TensorFlowBackend) new TensorFlowBackendProvider().create(BackendConfig.withThreads(1));
        assertEquals("", backend.device());
        assertTrue(!backend.capabilities().contains(io.github.lc4j.api.spi.Capability.GPU));
        TensorFlowBackend pinned = (TensorFlowBackend) new TensorFlowBackendProvider()
                .create(new BackendConfig(1, Map.of(TensorFlowBackend.DEVICE_PROPERTY, "/GPU:0")));
        ModelSpec model = ModelZoo.lenet300Relu();
        try (Trainer trainer = pinned.newTrainer(model, TrainerOptions.plainSgd())) {
            trainer.load(WeightInitializer.initialize(model, 1));
            assertTrue(
                    Double.isFinite(
                            trainer.step(DataSets.embeddedFashionMnist().test().range(0, 8), 0.1)),
                    "soft placement must run a /GPU:0 graph on the CPU");
        }
    }

    @Test
    void failingNativesGiveOneClearErrorAndOtherBackendsStillWork() {
        BackendProvider broken = new TensorFlowBackendProvider(config -> {
            throw new UnsatisfiedLinkError("libtensorflow_cc.so.2: cannot open shared object file");
        });
        BackendUnavailableException error =
                assertThrows(BackendUnavailableException.class, () -> broken.create(BackendConfig.withThreads(1)));
        assertTrue(
                error.getMessage().startsWith("tensorflow")
                        && error.getMessage().contains("libtensorflow_cc"),
                error.getMessage());
        BackendProvider cpu = new CpuJavaBackendProvider();
        BackendRegistry registry = new BackendRegistry(
                Map.of(broken.name(), broken, cpu.name(), cpu), BackendConfig.withThreads(1), Map.of());
        assertEquals("cpu-java", registry.select(null).name());
        assertThrows(BackendUnavailableException.class, () -> registry.select("tensorflow"));
    }

    @Test
    void twentyThousandStepsDoNotGrowTheResidentSet() throws IOException {
        ModelSpec model = ModelZoo.lenet300Tanh();
        Batch batch = DataSets.embeddedFashionMnist().train().range(0, 16);
        Backend tensorflow = new TensorFlowBackendProvider().create(BackendConfig.withThreads(2));
        try (Trainer trainer = tensorflow.newTrainer(model, new TrainerOptions(0.9, true))) {
            trainer.load(WeightInitializer.initialize(model, 7));
            long before = 0;
            for (int step = 1; step <= 20_000; step++) {
                trainer.step(batch, 0.001);
                if (step % 1000 == 0) {
                    trainer.evaluate(batch);
                    trainer.snapshot();
                }
                if (step == 2_000) {
                    System.gc();
                    before = residentBytes();
                }
            }
            System.gc();
            long after = residentBytes();
            System.out.printf(
                    "tensorflow resident set: %d MiB after 2,000 steps, %d MiB after 20,000%n",
                    before >> 20, after >> 20);
            assertTrue(
                    after - before < RESIDENT_GROWTH_BOUND_BYTES,
                    "resident set grew from " + (before >> 20) + " MiB to " + (after >> 20)
                            + " MiB between steps 2,000 and 20,000");
        }
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
