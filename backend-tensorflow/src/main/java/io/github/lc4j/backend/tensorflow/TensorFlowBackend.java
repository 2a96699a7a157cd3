package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.api.spi.Capability;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.EnumSet;
import java.util.Set;

/** The TensorFlow Java backend: one graph per trainer, placed on {@code device} when one is set. */
public final class TensorFlowBackend implements Backend {
    /** The backend's name. */
    public static final String NAME = "tensorflow";
    /**
     * Backend property naming the device: {@code auto} (the default: {@code /GPU:0} when a GPU and the
     * GPU natives are present, else the CPU), {@code /GPU:0}, or empty for TensorFlow's own placement.
     */
    public static final String DEVICE_PROPERTY = "tensorflow.device";

    private final String device;
    private final int threads;
    private final CStepKernels kernels = new TensorFlowKernels();

    TensorFlowBackend(String device, int threads) {
        this.device = device;
        this.threads = threads;
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
        if (device.toUpperCase(java.util.Locale.ROOT).contains("GPU")) {
            capabilities.add(Capability.GPU);
        }
        return capabilities;
    }

    @Override
    public Trainer newTrainer(ModelSpec model, TrainerOptions options) {
        return new TensorFlowTrainer(this, model, options, device, threads);
    }

    @Override
    public Evaluator newEvaluator(ModelSpec model) {
        return new TensorFlowEvaluator(this, model, device, threads);
    }

    /** Returns the device the graphs are placed on, or an empty string for TensorFlow's own placement. */
    public String device() {
        return device;
    }

    @Override
    public CStepKernels cStepKernels() {
        return kernels;
    }
}
