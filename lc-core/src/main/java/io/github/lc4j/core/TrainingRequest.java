package io.github.lc4j.core;

import static io.github.lc4j.api.support.Checks.checkAtLeast;
import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.data.TrainTestSplit;

/**
 * Plain SGD training of a reference net for {@link Lc4j#train}: the model, the data, the epochs,
 * and optionally the initial weights (default: seeded initialization), the optimizer, the seed
 * and a listener. Built by name:
 *
 * <pre>{@code
 * TrainingRequest request = TrainingRequest.builder().model(model).data(data).epochs(15).build();
 * }</pre>
 */
public final class TrainingRequest {
    private final ModelSpec model;
    private final Weights initial;
    private final TrainTestSplit data;
    private final OptimizerSpec optimizer;
    private final int epochs;
    private final long seed;
    private final LcListener listener;

    private TrainingRequest(Builder builder) {
        this.model = builder.model;
        this.data = builder.data;
        this.optimizer = builder.optimizer;
        this.epochs = builder.epochs;
        this.seed = builder.seed;
        this.listener = builder.listener;
        this.initial = builder.initial != null ? builder.initial : WeightInitializer.initialize(model, seed);
    }

    /** Returns a builder; model, data and epochs are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the model. */
    public ModelSpec model() {
        return model;
    }

    /** Returns the weights training starts from. */
    public Weights initial() {
        return initial;
    }

    /** Returns the training and test data. */
    public TrainTestSplit data() {
        return data;
    }

    /** Returns the SGD settings. */
    public OptimizerSpec optimizer() {
        return optimizer;
    }

    /** Returns the number of epochs, &gt;= 1. */
    public int epochs() {
        return epochs;
    }

    /** Returns the seed of the minibatch order (and of the initial weights unless given). */
    public long seed() {
        return seed;
    }

    /** Returns the listener told of each epoch's end and of progress. */
    public LcListener listener() {
        return listener;
    }

    /** Builds a {@link TrainingRequest}; {@link #build} checks that it is complete. */
    public static final class Builder {
        private ModelSpec model;
        private Weights initial;
        private TrainTestSplit data;
        private OptimizerSpec optimizer = OptimizerSpec.builder().build();
        private int epochs;
        private long seed = 1;
        private LcListener listener = LcListener.NONE;

        private Builder() {}

        /** Sets the model (required). */
        public Builder model(ModelSpec model) {
            this.model = requireNonNull(model, "model is null");
            return this;
        }

        /** Sets the initial weights (default: {@link WeightInitializer#initialize} with the seed). */
        public Builder initial(Weights initial) {
            this.initial = requireNonNull(initial, "initial is null");
            return this;
        }

        /** Sets the training and test data (required). */
        public Builder data(TrainTestSplit data) {
            this.data = requireNonNull(data, "data is null");
            return this;
        }

        /** Sets the SGD settings (default: {@link OptimizerSpec}'s defaults). */
        public Builder optimizer(OptimizerSpec optimizer) {
            this.optimizer = requireNonNull(optimizer, "optimizer is null");
            return this;
        }

        /** Sets the number of epochs, &gt;= 1 (required). */
        public Builder epochs(int epochs) {
            this.epochs = checkAtLeast(epochs, 1, "epochs");
            return this;
        }

        /** Sets the seed (default 1). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets the listener (default: none). */
        public Builder listener(LcListener listener) {
            this.listener = requireNonNull(listener, "listener is null");
            return this;
        }

        /**
         * Returns the request.
         *
         * @throws IllegalStateException naming what is missing
         */
        public TrainingRequest build() {
            if (model == null || data == null || epochs == 0) {
                throw new IllegalStateException("a training request needs model(…), data(…) and epochs(…); missing: "
                        + (model == null ? "model " : "") + (data == null ? "data " : "")
                        + (epochs == 0 ? "epochs" : ""));
            }
            return new TrainingRequest(this);
        }
    }
}
