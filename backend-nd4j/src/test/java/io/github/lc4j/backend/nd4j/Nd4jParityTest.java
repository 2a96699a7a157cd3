package io.github.lc4j.backend.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.BackendUnavailableException;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.registry.BackendRegistry;
import io.github.lc4j.core.zoo.ModelZoo;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ND4J's two batch copy paths, its thread properties and its load-failure path. */
class Nd4jParityTest {
    /** The CUDA build copies batches in by assign instead of the NIO view; here both run on the CPU. */
    @Test
    void batchesEnterTheSameWayThroughEitherCopyPath() {
        ModelSpec model = ModelZoo.lenet5();
        Batch batch = DataSets.embeddedFashionMnist().train().range(0, 7);
        Backend backend = new Nd4jBackendProvider().create(BackendConfig.withThreads(2));
        Map<String, float[]> viaView;
        Map<String, float[]> viaAssign;
        try (Trainer trainer = new Nd4jTrainer(backend, model, TrainerOptions.plainSgd(), false)) {
            trainer.load(WeightInitializer.initialize(model, 3));
            viaView = trainer.gradients(batch);
        }
        try (Trainer trainer = new Nd4jTrainer(backend, model, TrainerOptions.plainSgd(), true)) {
            trainer.load(WeightInitializer.initialize(model, 3));
            viaAssign = trainer.gradients(batch);
        }
        for (String name : viaView.keySet()) {
            assertArrayEquals(viaView.get(name), viaAssign.get(name), name);
        }
    }

    @Test
    void aBadThreadPropertyIsNamedNotReportedAsMissingNatives() {
        InvalidInputException error = assertThrows(
                InvalidInputException.class,
                () -> new Nd4jBackendProvider()
                        .create(new BackendConfig(2, Map.of(Nd4jBackendProvider.BLAS_THREADS_PROPERTY, "two"))));
        assertTrue(
                error.getMessage().contains("nd4j.blas.threads")
                        && error.getMessage().contains("'two'"),
                error.getMessage());
        assertThrows(
                InvalidInputException.class,
                () -> new Nd4jBackendProvider()
                        .create(new BackendConfig(2, Map.of(Nd4jBackendProvider.OP_THREADS_PROPERTY, "0"))));
    }

    @Test
    void failingNativesGiveOneClearErrorAndOtherBackendsStillWork() {
        BackendProvider broken = new Nd4jBackendProvider(() -> {
            throw new ExceptionInInitializerError(new UnsatisfiedLinkError("no jnind4jcpu in java.library.path"));
        });
        BackendUnavailableException error =
                assertThrows(BackendUnavailableException.class, () -> broken.create(BackendConfig.withThreads(1)));
        assertTrue(
                error.getMessage().startsWith("nd4j") && error.getMessage().contains("jnind4jcpu"), error.getMessage());

        BackendProvider cpu = new CpuJavaBackendProvider();
        BackendRegistry registry = new BackendRegistry(
                Map.of(broken.name(), broken, cpu.name(), cpu), BackendConfig.withThreads(1), Map.of());
        assertEquals("cpu-java", registry.select(null).name(), "nd4j ranks first but is skipped when unavailable");
        assertTrue(registry.availability().get("nd4j").contains("jnind4jcpu"));
        BackendUnavailableException named =
                assertThrows(BackendUnavailableException.class, () -> registry.select("nd4j"));
        assertTrue(
                named.getMessage().contains("jnind4jcpu") && named.getMessage().contains("cpu-java"),
                named.getMessage());
    }
}
