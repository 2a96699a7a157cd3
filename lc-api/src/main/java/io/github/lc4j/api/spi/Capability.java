package io.github.lc4j.api.spi;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import java.util.Optional;

/**
 * Optional features a backend declares. Dense nodes, ReLU, tanh, flatten and the softmax
 * cross-entropy loss are mandatory; whatever else a backend lacks it must reject with a clear
 * {@link UnsupportedOperationException} when asked ({@link Backend#checkSupports}).
 */
public enum Capability {
    /** 2-D convolutions with one group: any kernel, stride, padding per side and dilation. */
    CONV2D,
    /** 2-D convolutions with several groups, depthwise included. */
    GROUPED_CONV2D,
    /** Max pooling, padded or not. */
    MAX_POOL,
    /** Average pooling (both count_include_pad forms) and global average pooling. */
    AVERAGE_POOL,
    /** Batch normalization with running statistics. */
    BATCH_NORM,
    /** Graph joins: Add, Mul and Concat. */
    BRANCHES,
    /** Clip (ReLU6), sigmoid and hard swish. */
    GATE_ACTIVATIONS,
    /** Runs on a GPU. */
    GPU,
    /** Same weights, batches and thread count give bit-identical results. */
    DETERMINISTIC,
    /** Results do not depend on the thread count either. */
    THREAD_COUNT_INDEPENDENT;

    /** Returns the capability a backend must declare to run {@code step}, if any. */
    public static Optional<Capability> neededBy(ModelSpec.Step step) {
        return step.op().accept(new Op.Visitor<Optional<Capability>>() {
            @Override
            public Optional<Capability> dense(Op.Dense op) {
                return Optional.empty();
            }

            @Override
            public Optional<Capability> conv2d(Op.Conv2d op) {
                return Optional.of(op.groups() == 1 ? CONV2D : GROUPED_CONV2D);
            }

            @Override
            public Optional<Capability> batchNorm(Op.BatchNorm op) {
                return Optional.of(BATCH_NORM);
            }

            @Override
            public Optional<Capability> add(Op.Add op) {
                return Optional.of(BRANCHES);
            }

            @Override
            public Optional<Capability> mul(Op.Mul op) {
                return Optional.of(BRANCHES);
            }

            @Override
            public Optional<Capability> concat(Op.Concat op) {
                return Optional.of(BRANCHES);
            }

            @Override
            public Optional<Capability> relu(Op.Relu op) {
                return Optional.empty();
            }

            @Override
            public Optional<Capability> clip(Op.Clip op) {
                return Optional.of(GATE_ACTIVATIONS);
            }

            @Override
            public Optional<Capability> sigmoid(Op.Sigmoid op) {
                return Optional.of(GATE_ACTIVATIONS);
            }

            @Override
            public Optional<Capability> tanh(Op.Tanh op) {
                return Optional.empty();
            }

            @Override
            public Optional<Capability> hardSwish(Op.HardSwish op) {
                return Optional.of(GATE_ACTIVATIONS);
            }

            @Override
            public Optional<Capability> maxPool(Op.MaxPool op) {
                return Optional.of(MAX_POOL);
            }

            @Override
            public Optional<Capability> averagePool(Op.AveragePool op) {
                return Optional.of(AVERAGE_POOL);
            }

            @Override
            public Optional<Capability> globalAveragePool(Op.GlobalAveragePool op) {
                return Optional.of(AVERAGE_POOL);
            }

            @Override
            public Optional<Capability> flatten(Op.Flatten op) {
                return Optional.empty();
            }

            @Override
            public Optional<Capability> reshape(Op.Reshape op) {
                return Optional.empty();
            }
        });
    }
}
