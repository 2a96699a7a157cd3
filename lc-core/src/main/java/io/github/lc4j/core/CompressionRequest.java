package io.github.lc4j.core;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.BitBudget;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.TrainingEvaluation;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One LC run for {@link Lc4j#compress}: the model, its trained reference weights, the data, what
 * to compress with which codebook, the schedule and the listener. Built by name:
 *
 * <pre>{@code
 * CompressionRequest request = CompressionRequest.builder()
 *         .model(model).reference(reference).data(data)
 *         .codebook(Codebook.adaptive(2))
 *         .schedule(MuSchedule.exponential(1e-4, 1.8, 30))
 *         .build();
 * }</pre>
 */
public final class CompressionRequest {
    /** How often a checkpoint is written inside training unless {@link Builder#checkpointInterval} says otherwise. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMinutes(5);

    private final ModelSpec model;
    private final Weights reference;
    private final TrainingSet training;
    private final Dataset test;
    private final String dataDescription;
    private final LcOptions options;
    private final LcListener listener;
    private final Path checkpointFolder;
    private final Duration checkpointInterval;
    private final boolean resume;

    private CompressionRequest(Builder builder) {
        this.model = builder.model;
        this.reference = builder.reference;
        this.training = builder.training;
        this.test = builder.test;
        this.dataDescription = builder.dataDescription;
        this.listener = builder.listener;
        this.checkpointFolder = builder.checkpointFolder;
        this.checkpointInterval = builder.checkpointInterval;
        this.resume = builder.resume;
        LcOptions.Builder options = LcOptions.builder()
                .setTasks(builder.tasks.apply(model))
                .optMethod(builder.method)
                .optSeed(builder.seed)
                .optTrainingEvaluation(builder.trainingEvaluation)
                .optConvergenceTolerance(builder.convergenceTolerance);
        if (builder.bitBudget != null) {
            options.optBitBudget(builder.bitBudget);
        }
        if (builder.schedule != null) {
            options.optMuSchedule(builder.schedule);
        }
        if (builder.optimizer != null) {
            options.optOptimizer(builder.optimizer);
        }
        this.options = options.build();
    }

    /** Returns a builder; model, reference, data and a codebook (or tasks) are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the model. */
    public ModelSpec model() {
        return model;
    }

    /** Returns the reference weights LC starts from. */
    public Weights reference() {
        return reference;
    }

    /** Returns where the L steps train: the training set of {@link Builder#data(TrainTestSplit)}, or one held elsewhere. */
    public TrainingSet training() {
        return training;
    }

    /** Returns the test set every iteration is evaluated on. */
    public Dataset test() {
        return test;
    }

    /** Returns where the data came from, for reports and checkpoints. */
    public String dataDescription() {
        return dataDescription;
    }

    /** Returns the LC settings: tasks, μ schedule, optimizer, method and seed. */
    public LcOptions options() {
        return options;
    }

    /** Returns the listener told of each iteration and of L-step progress. */
    public LcListener listener() {
        return listener;
    }

    /** Returns the folder checkpoints are written to, if the run writes any. */
    public Optional<Path> checkpointFolder() {
        return Optional.ofNullable(checkpointFolder);
    }

    /** Returns how often a checkpoint is written inside a long training phase (besides after every iteration). */
    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    /** Returns whether the run continues from the newest intact checkpoint of {@link #checkpointFolder}. */
    public boolean resume() {
        return resume;
    }

    /** Builds a {@link CompressionRequest}; {@link #build} checks that it is complete. */
    public static final class Builder {
        private ModelSpec model;
        private Weights reference;
        private TrainingSet training;
        private Dataset test;
        private String dataDescription;
        /** What to compress, once the model is known: set by codebook(…), its variants or tasks(…). */
        private Function<ModelSpec, List<CompressionTask>> tasks;

        private MuSchedule schedule;
        private OptimizerSpec optimizer;
        private CompressionMethod method = CompressionMethod.AUGMENTED_LAGRANGIAN;
        private long seed = 1;
        private TrainingEvaluation trainingEvaluation = TrainingEvaluation.everyIteration();
        private double convergenceTolerance = LcOptions.DEFAULT_CONVERGENCE_TOLERANCE;
        private BitBudget bitBudget;
        private LcListener listener = LcListener.NONE;
        private Path checkpointFolder;
        private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;
        private boolean resume;

        private Builder() {}

        /** Sets the model (required). */
        public Builder model(ModelSpec model) {
            this.model = requireNonNull(model, "model is null");
            return this;
        }

        /** Sets the trained reference weights LC starts from (required). */
        public Builder reference(Weights reference) {
            this.reference = requireNonNull(reference, "reference is null");
            return this;
        }

        /** Sets the training and test data, both in this JVM (this or the other form is required). */
        public Builder data(TrainTestSplit data) {
            requireNonNull(data, "data is null");
            this.training = TrainingSet.of(data.train());
            this.test = data.test();
            this.dataDescription = data.description();
            return this;
        }

        /**
         * Sets a training set that may be held elsewhere (a cluster's, from {@code lc-spark}) and the
         * test set, evaluated here; {@code description} says where they came from.
         */
        public Builder data(TrainingSet training, Dataset test, String description) {
            this.training = requireNonNull(training, "training is null");
            this.test = requireNonNull(test, "test is null");
            this.dataDescription = requireNonNull(description, "description is null");
            return this;
        }

        /** Compresses every weight parameter with its own copy of {@code codebook}. */
        public Builder codebook(Codebook codebook) {
            requireNonNull(codebook, "codebook is null");
            this.tasks = model -> CompressionTask.perLayer(model, codebook);
            return this;
        }

        /**
         * Compresses every output channel of every weight parameter (a column of a dense weight, a
         * filter of a convolution) with its own copy of {@code codebook}.
         */
        public Builder perChannelCodebook(Codebook codebook) {
            requireNonNull(codebook, "codebook is null");
            this.tasks = model -> CompressionTask.perChannel(model, codebook);
            return this;
        }

        /** Compresses all weight parameters together, with one codebook {@code codebook}. */
        public Builder sharedCodebook(Codebook codebook) {
            requireNonNull(codebook, "codebook is null");
            this.tasks = model -> List.of(CompressionTask.sharedByAllLayers(model, codebook));
            return this;
        }

        /** Sets the compression tasks explicitly, instead of {@link #codebook}. */
        public Builder tasks(List<CompressionTask> tasks) {
            List<CompressionTask> copy = List.copyOf(requireNonNull(tasks, "tasks is null"));
            this.tasks = model -> copy;
            return this;
        }

        /**
         * Takes tasks, schedule, optimizer, method, seed, training-set evaluation and convergence
         * tolerance from {@code options}.
         */
        public Builder options(LcOptions options) {
            requireNonNull(options, "options is null");
            tasks(options.tasks());
            this.schedule = options.muSchedule();
            this.optimizer = options.optimizer();
            this.method = options.method();
            this.seed = options.seed();
            this.trainingEvaluation = options.trainingEvaluation();
            this.convergenceTolerance = options.convergenceTolerance();
            this.bitBudget = options.bitBudget();
            return this;
        }

        /**
         * Sets the size budget of the tasks whose codebook is a {@link Codebook.Choice}, e.g.
         * {@code codebook(Codebook.adaptiveChoice(2, 4, 8, 16)).bitBudget(BitBudget.bitsPerWeight(1))}:
         * every C step then chooses each layer's K so that the net fits.
         */
        public Builder bitBudget(BitBudget budget) {
            this.bitBudget = requireNonNull(budget, "bit budget is null");
            return this;
        }

        /** Sets the μ schedule (default: {@link LcOptions}' default). */
        public Builder schedule(MuSchedule schedule) {
            this.schedule = requireNonNull(schedule, "schedule is null");
            return this;
        }

        /** Sets the SGD settings of the L steps (default: {@link LcOptions}' default). */
        public Builder optimizer(OptimizerSpec optimizer) {
            this.optimizer = requireNonNull(optimizer, "optimizer is null");
            return this;
        }

        /** Sets LC (augmented Lagrangian, the default), LC with quadratic penalty, or a baseline. */
        public Builder method(CompressionMethod method) {
            this.method = requireNonNull(method, "method is null");
            return this;
        }

        /** Sets the seed of minibatch order and k-means++ (default 1). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets whether every iteration also evaluates on the whole training set (default true). */
        public Builder evaluateTrainingSet(boolean evaluate) {
            this.trainingEvaluation = evaluate ? TrainingEvaluation.everyIteration() : TrainingEvaluation.never();
            return this;
        }

        /** Sets when the quantized net is evaluated on the training set (default: every iteration, in full). */
        public Builder trainingEvaluation(TrainingEvaluation when) {
            this.trainingEvaluation = requireNonNull(when, "training evaluation is null");
            return this;
        }

        /**
         * Sets the relative tolerance at which LC stops, converged (default
         * {@value LcOptions#DEFAULT_CONVERGENCE_TOLERANCE}); 0 runs every iteration of the schedule.
         * See {@link LcOptions#convergenceTolerance()}.
         */
        public Builder convergenceTolerance(double tolerance) {
            this.convergenceTolerance = tolerance;
            return this;
        }

        /** Sets the listener (default: none). */
        public Builder listener(LcListener listener) {
            this.listener = requireNonNull(listener, "listener is null");
            return this;
        }

        /**
         * Writes a checkpoint to {@code folder} (created if missing) after every iteration and every
         * {@link #checkpointInterval} inside training, and when the run is stopped; the two newest
         * are kept.
         */
        public Builder checkpoints(Path folder) {
            this.checkpointFolder = requireNonNull(folder, "folder is null");
            return this;
        }

        /**
         * Sets how often a checkpoint is written inside a training phase; {@link Duration#ZERO}
         * writes one after every minibatch. Default: 5 minutes.
         *
         * @throws IllegalArgumentException for a negative interval
         */
        public Builder checkpointInterval(Duration interval) {
            requireNonNull(interval, "interval is null");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("checkpoint interval must be >= 0, got " + interval);
            }
            this.checkpointInterval = interval;
            return this;
        }

        /**
         * Continues the run from the newest intact checkpoint in {@code folder} and keeps writing
         * checkpoints there. The request must have the settings the checkpoint was written with
         * (model, reference, data, tasks, method, schedule, optimizer, seed, backend); the run
         * refuses, naming the differences, otherwise.
         */
        public Builder resumeFrom(Path folder) {
            checkpoints(folder);
            this.resume = true;
            return this;
        }

        /**
         * Returns the request.
         *
         * @throws IllegalStateException naming what is missing
         */
        public CompressionRequest build() {
            if (model == null || reference == null || training == null) {
                throw new IllegalStateException("a compression request needs model(…), reference(…) and data(…);"
                        + " missing: " + (model == null ? "model " : "") + (reference == null ? "reference " : "")
                        + (training == null ? "data" : ""));
            }
            if (tasks == null) {
                throw new IllegalStateException("a compression request needs codebook(…), sharedCodebook(…),"
                        + " perChannelCodebook(…) or tasks(…)");
            }
            return new CompressionRequest(this);
        }
    }
}
