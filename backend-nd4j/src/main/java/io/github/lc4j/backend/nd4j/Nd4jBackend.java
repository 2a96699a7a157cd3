package io.github.lc4j.backend.nd4j;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.api.spi.Capability;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The ND4J backend: OpenBLAS GEMM and libnd4j's native kernels. It runs any graph model: every op
 * of {@link io.github.lc4j.api.Op}, so it declares every model capability.
 */
public final class Nd4jBackend implements Backend {
    /** The backend's name. */
    public static final String NAME = "nd4j";

    private final boolean gpu;
    private final CStepKernels kernels = new Nd4jKernels();

    Nd4jBackend(boolean gpu) {
        this.gpu = gpu;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> capabilities() {
        EnumSet<Capability> capabilities = EnumSet.of(
                Capability.CONV2D,
                Capability.GROUPED_CONV2D,
                Capability.MAX_POOL,
                Capability.AVERAGE_POOL,
                Capability.BATCH_NORM,
                Capability.BRANCHES,
                Capability.GATE_ACTIVATIONS);
        if (gpu) {
            capabilities.add(Capability.GPU);
        }
        return capabilities;
    }

    @Override
    public Trainer newTrainer(ModelSpec model, TrainerOptions options) {
        return new Nd4jTrainer(this, model, options, gpu);
    }

    @Override
    public CStepKernels cStepKernels() {
        return kernels;
    }
}
