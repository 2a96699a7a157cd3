package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Capability;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The pure-Java backend: every op in plain Java loops that C2 vectorises, multi-threaded over
 * fixed chunks so that results do not depend on the thread count. Always available.
 */
public final class CpuJavaBackend implements Backend {
    /** The backend's name. */
    public static final String NAME = "cpu-java";

    private final int threads;

    /** Creates the backend; each trainer computes on {@code threads} threads. */
    public CpuJavaBackend(int threads) {
        this.threads = threads;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(
                Capability.CONV2D,
                Capability.GROUPED_CONV2D,
                Capability.MAX_POOL,
                Capability.AVERAGE_POOL,
                Capability.BATCH_NORM,
                Capability.BRANCHES,
                Capability.GATE_ACTIVATIONS,
                Capability.DETERMINISTIC,
                Capability.THREAD_COUNT_INDEPENDENT);
    }

    @Override
    public Trainer newTrainer(ModelSpec model, TrainerOptions options) {
        return new CpuTrainer(this, model, options, threads);
    }
}
