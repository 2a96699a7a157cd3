package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.Backend;
import io.github.lc4j.api.Capability;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Trainer;
import io.github.lc4j.api.TrainerOptions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The pure-Java backend: every layer in plain Java loops that C2 vectorises, multi-threaded over
 * fixed chunks so that results do not depend on the thread count. Always available.
 */
public final class CpuJavaBackend implements Backend {
    /** The backend's name. */
    public static final String NAME = "cpu-java";

    private final int maxThreads;

    /** Creates the backend; trainers use at most {@code maxThreads} threads. */
    public CpuJavaBackend(int maxThreads) {
        this.maxThreads = maxThreads;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.CONV2D, Capability.MAX_POOL, Capability.DETERMINISTIC,
                Capability.THREAD_COUNT_INDEPENDENT);
    }

    @Override
    public Trainer newTrainer(ModelSpec model, TrainerOptions options) {
        checkSupports(model);
        TrainerOptions capped = new TrainerOptions(options.momentum(), options.nesterov(),
                Math.min(options.threads(), maxThreads));
        return new CpuTrainer(model, capped);
    }
}
