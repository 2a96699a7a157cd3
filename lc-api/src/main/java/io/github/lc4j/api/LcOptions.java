package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Everything an LC run needs besides the model, the reference weights and the data: the
 * compression tasks, the μ schedule, the SGD settings of the L steps, the method and the seed.
 */
public final class LcOptions {
    /** The default relative tolerance of LC's convergence test, ‖w − Δ(Θ)‖ ≤ tolerance·‖w‖. */
    public static final double DEFAULT_CONVERGENCE_TOLERANCE = 1e-3;

    /**
     * The μ schedule a builder starts with, and the command line's: μ0 = 10⁻⁴ growing ×1.8, at most 30
     * values (docs/lc-algorithm.md §4 has the measurements behind it).
     */
    public static final MuSchedule DEFAULT_MU_SCHEDULE = MuSchedule.exponential(1e-4, 1.8, 30);

    private final List<CompressionTask> tasks;
    private final MuSchedule muSchedule;
    private final OptimizerSpec optimizer;
    private final CompressionMethod method;
    private final long seed;
    private final TrainingEvaluation trainingEvaluation;
    private final double convergenceTolerance;
    private final BitBudget bitBudget;

    private LcOptions(Builder builder) {
        this.tasks = List.copyOf(builder.tasks);
        this.muSchedule = builder.muSchedule;
        this.optimizer = builder.optimizer;
        this.method = builder.method;
        this.seed = builder.seed;
        this.trainingEvaluation = builder.trainingEvaluation;
        this.convergenceTolerance = builder.convergenceTolerance;
        this.bitBudget = builder.bitBudget;
    }

    /** Returns a builder; the tasks are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the compression tasks. */
    public List<CompressionTask> tasks() {
        return tasks;
    }

    /** Returns the μ schedule. */
    public MuSchedule muSchedule() {
        return muSchedule;
    }

    /** Returns the L step's SGD settings. */
    public OptimizerSpec optimizer() {
        return optimizer;
    }

    /** Returns augmented Lagrangian or quadratic penalty. */
    public CompressionMethod method() {
        return method;
    }

    /** Returns the seed of minibatch order and k-means++ seeding. */
    public long seed() {
        return seed;
    }

    /** Returns whether every iteration also evaluates the quantized net on training samples. */
    public boolean evaluateTrainingSet() {
        return trainingEvaluation.afterEveryIteration();
    }

    /** Returns when the quantized net is evaluated on the training set. */
    public TrainingEvaluation trainingEvaluation() {
        return trainingEvaluation;
    }

    /**
     * Returns the relative tolerance of LC's convergence test, or 0 when the run takes every
     * iteration of its μ schedule: LC (augmented Lagrangian or quadratic penalty) stops after the
     * first iteration with ‖w − Δ(Θ)‖ ≤ tolerance·‖w‖ and no assignment changed, and the μ
     * schedule's length is then the iteration cap. Baselines ignore it.
     */
    public double convergenceTolerance() {
        return convergenceTolerance;
    }

    /**
     * Returns the size budget the tasks that {@linkplain Codebook.Choice choose} their codebook
     * share, or null when no task chooses.
     */
    public BitBudget bitBudget() {
        return bitBudget;
    }

    /** Returns whether some task's codebook is a {@link Codebook.Choice}. */
    public boolean choosesCodebooks() {
        return tasks.stream().anyMatch(task -> task.codebook() instanceof Codebook.Choice);
    }

    /** Returns whether the run stops once converged: LC (either mode) with a tolerance &gt; 0. */
    public boolean stopsWhenConverged() {
        return convergenceTolerance > 0
                && (method == CompressionMethod.AUGMENTED_LAGRANGIAN || method == CompressionMethod.QUADRATIC_PENALTY);
    }

    /**
     * Builder: {@code setTasks} is required. The μ schedule defaults to μ0 = 10⁻⁴ growing ×1.8 for
     * at most 30 values, ending once converged (docs/lc-algorithm.md §4 has the measurements behind
     * it); the SGD settings to {@link OptimizerSpec}'s defaults.
     */
    public static final class Builder {
        private List<CompressionTask> tasks;
        private MuSchedule muSchedule = DEFAULT_MU_SCHEDULE;
        private OptimizerSpec optimizer = OptimizerSpec.builder().build();
        private CompressionMethod method = CompressionMethod.AUGMENTED_LAGRANGIAN;
        private long seed = 1;
        private TrainingEvaluation trainingEvaluation = TrainingEvaluation.everyIteration();
        private double convergenceTolerance = DEFAULT_CONVERGENCE_TOLERANCE;
        private BitBudget bitBudget;

        private Builder() {}

        /**
         * Sets the size budget of the tasks whose codebook is a {@link Codebook.Choice}: required
         * when a task chooses, refused when none does.
         */
        public Builder optBitBudget(BitBudget value) {
            this.bitBudget = requireNonNull(value, "bit budget is null");
            return this;
        }

        /**
         * Sets the relative tolerance of the convergence test (default
         * {@value LcOptions#DEFAULT_CONVERGENCE_TOLERANCE}); 0 runs every iteration of the μ
         * schedule.
         */
        public Builder optConvergenceTolerance(double value) {
            checkArgument(
                    Double.isFinite(value) && value >= 0 && value < 1,
                    "convergence tolerance must be in [0, 1) (0: run the whole schedule), got %s",
                    value);
            this.convergenceTolerance = value;
            return this;
        }

        /** Sets the compression tasks (at least one). */
        public Builder setTasks(List<CompressionTask> value) {
            requireNonNull(value, "tasks is null");
            checkArgument(!value.isEmpty(), "an LC run needs at least one compression task");
            this.tasks = List.copyOf(value);
            return this;
        }

        /** Sets the μ schedule. */
        public Builder optMuSchedule(MuSchedule value) {
            this.muSchedule = requireNonNull(value, "muSchedule is null");
            return this;
        }

        /** Sets the L step's SGD settings. */
        public Builder optOptimizer(OptimizerSpec value) {
            this.optimizer = requireNonNull(value, "optimizer is null");
            return this;
        }

        /** Sets the method: LC (the default), LC with quadratic penalty, or a baseline. */
        public Builder optMethod(CompressionMethod value) {
            this.method = requireNonNull(value, "method is null");
            return this;
        }

        /** Sets the seed. */
        public Builder optSeed(long value) {
            this.seed = value;
            return this;
        }

        /**
         * Sets whether every iteration evaluates on the whole training set too (default true);
         * false is {@link TrainingEvaluation#never()}.
         */
        public Builder optEvaluateTrainingSet(boolean value) {
            this.trainingEvaluation = value ? TrainingEvaluation.everyIteration() : TrainingEvaluation.never();
            return this;
        }

        /** Sets when the quantized net is evaluated on the training set (default: after every iteration, in full). */
        public Builder optTrainingEvaluation(TrainingEvaluation value) {
            this.trainingEvaluation = java.util.Objects.requireNonNull(value, "training evaluation is null");
            return this;
        }

        /** Returns the options. */
        public LcOptions build() {
            checkArgument(tasks != null, "LC options need compression tasks: call setTasks");
            boolean chooses = tasks.stream().anyMatch(task -> task.codebook() instanceof Codebook.Choice);
            checkArgument(
                    !chooses || bitBudget != null,
                    "a task chooses its codebook (%s) but no bit budget is set: call optBitBudget",
                    tasks.stream()
                            .filter(task -> task.codebook() instanceof Codebook.Choice)
                            .map(task -> task.name() + "=" + task.codebook().describe())
                            .findFirst()
                            .orElse(""));
            checkArgument(
                    chooses || bitBudget == null,
                    "a bit budget (%s) needs a task that chooses its codebook (e.g. Codebook.adaptiveChoice(1, 2, 4,"
                            + " 8, 16)); every task's codebook is fixed",
                    bitBudget == null ? "" : bitBudget.describe());
            return new LcOptions(this);
        }
    }
}
