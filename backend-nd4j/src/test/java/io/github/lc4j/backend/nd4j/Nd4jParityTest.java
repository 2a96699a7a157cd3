package io.github.lc4j.backend.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.BackendConfig;
import io.github.lc4j.api.Batch;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Trainer;
import io.github.lc4j.api.TrainerOptions;
import io.github.lc4j.api.BackendProvider;
import io.github.lc4j.api.BackendUnavailableException;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.tck.LossParity;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.model.ModelZoo;
import io.github.lc4j.core.model.WeightInitializer;
import io.github.lc4j.core.registry.BackendRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ND4J against the pure-Java backend on the same weights and batches, and its load-failure path. */
class Nd4jParityTest {
    /** Largest relative difference of per-step losses allowed over 100 LeNet300 steps (float32 rounding; measured 3e-7). */
    static final double LOSS_TOLERANCE = 1e-5;

    @Test
    void lenet300LossesFollowTheCpuBackendFor100Steps() {
        double worst = LossParity.worstRelativeLossDifference(
                new CpuJavaBackendProvider().create(BackendConfig.withThreads(2)),
                new Nd4jBackendProvider().create(BackendConfig.withThreads(2)), 100);
        System.out.println("nd4j vs cpu-java, 100 LeNet300 steps: worst relative loss difference " + worst);
        assertTrue(worst <= LOSS_TOLERANCE, "per-step losses drifted apart by " + worst);
    }

    /** The CUDA build copies batches in by assign instead of the NIO view; here both run on the CPU. */
    @Test
    void batchesEnterTheSameWayThroughEitherCopyPath() {
        ModelSpec model = ModelZoo.lenet5();
        Batch batch = DataSets.embeddedFashionMnist().train().range(0, 7);
        new Nd4jBackendProvider().create(BackendConfig.withThreads(2));
        Map<String, float[]> viaView;
        Map<String, float[]> viaAssign;
        try (Trainer trainer = new Nd4jTrainer(model, new TrainerOptions(0, false, 2), false)) {
            trainer.load(WeightInitializer.initialize(model, 3));
            viaView = trainer.gradients(batch);
        }
        try (Trainer trainer = new Nd4jTrainer(model, new TrainerOptions(0, false, 2), true)) {
            trainer.load(WeightInitializer.initialize(model, 3));
            viaAssign = trainer.gradients(batch);
        }
        for (String name : viaView.keySet()) {
            assertArrayEquals(viaView.get(name), viaAssign.get(name), name);
        }
    }

    @Test
    void aBadThreadPropertyIsNamedNotReportedAsMissingNatives() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new Nd4jBackendProvider().create(new BackendConfig(2,
                        Map.of(Nd4jBackendProvider.BLAS_THREADS_PROPERTY, "two"))));
        assertTrue(error.getMessage().contains("nd4j.blas.threads") && error.getMessage().contains("'two'"),
                error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Nd4jBackendProvider().create(new BackendConfig(2,
                Map.of(Nd4jBackendProvider.OP_THREADS_PROPERTY, "0"))));
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
