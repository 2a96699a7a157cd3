package io.github.lc4j.backend.nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Backend;
import io.github.lc4j.api.BackendConfig;
import io.github.lc4j.api.BackendProvider;
import io.github.lc4j.api.BackendUnavailableException;
import io.github.lc4j.api.Batch;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Trainer;
import io.github.lc4j.api.TrainerOptions;
import io.github.lc4j.api.Weights;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Minibatches;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.model.ModelZoo;
import io.github.lc4j.core.model.WeightInitializer;
import io.github.lc4j.core.registry.BackendRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ND4J against the pure-Java backend on the same weights and batches, and its load-failure path. */
class Nd4jParityTest {
    /** Largest relative difference of per-step losses allowed over 100 LeNet300 steps (float32 rounding; measured 3e-7). */
    static final double LOSS_TOLERANCE = 1e-5;

    @Test
    void lenet300LossesFollowTheCpuBackendFor100Steps() {
        ModelSpec model = ModelZoo.lenet300Tanh();
        TrainTestSplit data = DataSets.embeddedFashionMnist();
        Weights initial = WeightInitializer.initialize(model, 3);
        Minibatches minibatches = new Minibatches(data.train(), 256, 3);
        Map<String, float[]> targets = new LinkedHashMap<>();
        for (String name : List.of("fc1.weight", "fc2.weight", "fc3.weight")) {
            targets.put(name, new float[initial.size(name)]);
        }
        Backend cpu = new CpuJavaBackendProvider().create(BackendConfig.withThreads(2));
        Backend nd4j = new Nd4jBackendProvider().create(BackendConfig.withThreads(2));
        TrainerOptions options = new TrainerOptions(0.9, true, 2);
        double worst = 0;
        try (Trainer reference = cpu.newTrainer(model, options); Trainer candidate = nd4j.newTrainer(model, options)) {
            reference.load(initial);
            candidate.load(initial);
            reference.setPenalty(targets, 1e-3);
            candidate.setPenalty(targets, 1e-3);
            List<int[]> order = minibatches.epochIndices(0);
            for (int step = 0; step < 100; step++) {
                Batch batch = minibatches.batch(order, step % order.size());
                double expected = reference.step(batch, 0.05);
                double actual = candidate.step(batch, 0.05);
                double relative = Math.abs(expected - actual) / Math.abs(expected);
                worst = Math.max(worst, relative);
                assertTrue(relative <= LOSS_TOLERANCE, "step " + step + ": cpu-java loss " + expected + ", nd4j "
                        + actual);
            }
        }
        System.out.printf("nd4j vs cpu-java, 100 LeNet300 steps: worst relative loss difference %.2e%n", worst);
    }

    @Test
    void failingNativesGiveOneClearErrorAndOtherBackendsStillWork() {
        BackendProvider broken = new Nd4jBackendProvider(() -> {
            throw new ExceptionInInitializerError(new UnsatisfiedLinkError("no jnind4jcpu in java.library.path"));
        });
        BackendUnavailableException error = assertThrows(BackendUnavailableException.class,
                () -> broken.create(BackendConfig.withThreads(1)));
        assertTrue(error.getMessage().startsWith("nd4j") && error.getMessage().contains("jnind4jcpu"),
                error.getMessage());

        BackendProvider cpu = new CpuJavaBackendProvider();
        BackendRegistry registry = new BackendRegistry(Map.of(broken.name(), broken, cpu.name(), cpu),
                BackendConfig.withThreads(1), Map.of());
        assertEquals("cpu-java", registry.select(null).name(), "nd4j ranks first but is skipped when unavailable");
        assertTrue(registry.availability().get("nd4j").contains("jnind4jcpu"));
        BackendUnavailableException named = assertThrows(BackendUnavailableException.class,
                () -> registry.select("nd4j"));
        assertTrue(named.getMessage().contains("jnind4jcpu") && named.getMessage().contains("cpu-java"),
                named.getMessage());
    }
}
