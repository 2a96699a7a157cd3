package io.github.lc4j.core;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.QuantizedGroup;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.core.cstep.CStepSolution;
import io.github.lc4j.core.cstep.CStepSolver;
import io.github.lc4j.core.cstep.CStepSolverFactory;
import io.github.lc4j.core.cstep.SmallVectorKernels;
import io.github.lc4j.core.io.Checkpoint;
import io.github.lc4j.core.io.CheckpointStore;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The LC algorithm (Carreira-Perpiñán &amp; Idelbayev 2017) for quantization:
 * <ol>
 *   <li>w = reference, Θ = Π(w) (direct compression), λ = 0;</li>
 *   <li>for each μ of the schedule: L step — SGD on L(w) + μ/2 ‖w − Δ(Θ) − λ/μ‖²;
 *       C step — Θ = argmin ‖(w − λ/μ) − Δ(Θ)‖², warm-started;
 *       multipliers — λ ← λ − μ (w − Δ(Θ)) (augmented Lagrangian only).</li>
 * </ol>
 * The result is the quantized net Δ(Θ) (with the uncompressed parameters of the last w).
 */
final class LcAlgorithm {
    /**
     * The seeds of a run's compression tasks lie this far apart (a prime), so that the tasks'
     * k-means++ draws are independent of each other yet fixed by the run's seed.
     */
    static final long TASK_SEED_STRIDE = 7919L;

    private final CStepSolverFactory solverFactory;

    /** Creates the algorithm with the given C-step solvers. */
    @Inject
    LcAlgorithm(CStepSolverFactory solverFactory) {
        this.solverFactory = requireNonNull(solverFactory, "solverFactory is null");
    }

    /**
     * Runs LC from {@code reference} on {@code backend}.
     *
     * @throws InvalidInputException when tasks, weights or data do not fit the model
     * @throws io.github.lc4j.api.Lc4jException when an L step diverges
     */
    LcResult run(
            Backend backend,
            ModelSpec model,
            Weights reference,
            TrainTestSplit data,
            LcOptions options,
            LcListener listener) {
        return run(backend, model, reference, data, options, listener, Thread.currentThread()::isInterrupted);
    }

    /**
     * Runs LC as {@link #run(Backend, ModelSpec, Weights, TrainTestSplit, LcOptions, LcListener)}
     * does, ending with a {@link java.util.concurrent.CancellationException} at the first minibatch
     * where {@code stopRequested} is true.
     */
    LcResult run(
            Backend backend,
            ModelSpec model,
            Weights reference,
            TrainTestSplit data,
            LcOptions options,
            LcListener listener,
            BooleanSupplier stopRequested) {
        return run(backend, model, reference, data, options, listener, stopRequested, null);
    }

    /**
     * Runs LC as the shorter form does, writing checkpoints as {@code checkpointing} says (null:
     * none) and, when it asks to resume, continuing from the newest intact checkpoint of its folder.
     *
     * @throws InvalidInputException when the checkpoint was written with other settings, is
     *                               damaged, or no intact one exists
     */
    LcResult run(
            Backend backend,
            ModelSpec model,
            Weights reference,
            TrainTestSplit data,
            LcOptions options,
            LcListener listener,
            BooleanSupplier stopRequested,
            Checkpointing checkpointing) {
        return run(
                backend,
                model,
                reference,
                TrainingSet.of(data.train()),
                data.test(),
                data.description(),
                options,
                listener,
                stopRequested,
                checkpointing);
    }

    /**
     * Runs LC as the other forms do, its L steps on {@code training}'s learners (which may train
     * elsewhere), its C steps, multipliers, evaluation on {@code test} and checkpoints here.
     */
    LcResult run(
            Backend backend,
            ModelSpec model,
            Weights reference,
            TrainingSet training,
            Dataset test,
            String description,
            LcOptions options,
            LcListener listener,
            BooleanSupplier stopRequested,
            Checkpointing checkpointing) {
        requireNonNull(backend, "backend is null");
        requireNonNull(listener, "listener is null");
        CompressionTask.checkAgainst(model, options.tasks());
        RunChecks.checkDataFits(model, training, test);
        Weights.of(model, reference.toMap());
        Map<String, Object> settings = checkpointing == null
                ? null
                : settings(backend, model, reference, training, test, description, options);
        CheckpointStore store = checkpointing == null ? null : new CheckpointStore(checkpointing.folder());
        Checkpoint resumed = null;
        if (checkpointing != null && checkpointing.resume()) {
            CheckpointStore.Loaded loaded = store.readLatest();
            List<String> differences = loaded.checkpoint().differencesFrom(settings);
            if (!differences.isEmpty()) {
                throw new InvalidInputException("checkpoint " + loaded.file() + " was written by a run with other"
                        + " settings: " + String.join("; ", differences) + ". Resume with the settings it was"
                        + " written with, or start a new run in another folder");
            }
            loaded.skipped().forEach(problem -> listener.onNotice("passed over " + problem));
            listener.onNotice("resuming from " + loaded.file() + " at "
                    + describe(loaded.checkpoint().position()));
            resumed = loaded.checkpoint();
        }
        try (Learner learner = training.learner(backend, model, options.optimizer(), options.seed());
                Evaluator evaluator = backend.newEvaluator(model)) {
            Run run = new Run(backend, model, test, options, listener, learner, evaluator, stopRequested);
            if (store != null) {
                run.checkpointTo(store, checkpointing.interval(), settings);
            }
            return resumed == null ? run.from(reference) : run.resume(resumed);
        }
    }

    /** Where checkpoints go, how often they are written inside training, and whether to resume from them. */
    record Checkpointing(Path folder, Duration interval, boolean resume) {
        Checkpointing {
            requireNonNull(folder, "folder is null");
            requireNonNull(interval, "interval is null");
        }
    }

    /**
     * What a checkpoint must agree on to be resumed: everything that changes the run's numbers.
     * The thread count is left out: it may change rounding only.
     */
    private static Map<String, Object> settings(
            Backend backend,
            ModelSpec model,
            Weights reference,
            TrainingSet training,
            Dataset test,
            String description,
            LcOptions options) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("model", model.name());
        settings.put(
                "parameters",
                model.parameters().stream()
                        .map(parameter -> parameter.name() + java.util.Arrays.toString(parameter.shape()))
                        .toList());
        settings.put(
                "tasks",
                options.tasks().stream()
                        .map(task -> task.name() + "=" + task.parameters() + " "
                                + task.codebook().describe())
                        .toList());
        settings.put("method", options.method().key());
        settings.put("muSchedule", options.muSchedule().values());
        settings.put("optimizer", options.optimizer().toString());
        settings.put("seed", options.seed());
        settings.put("evaluateTrainingSet", options.evaluateTrainingSet());
        settings.put("data", description + " (" + training.size() + " training, " + test.size() + " test samples)");
        settings.put("backend", backend.name());
        if (!training.settings().isEmpty()) {
            settings.put("training", new LinkedHashMap<>(training.settings()));
        }
        settings.put("referenceSha256", fingerprint(model, reference));
        return settings;
    }

    private static String fingerprint(ModelSpec model, Weights weights) {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            for (var parameter : model.parameters()) {
                digest.update(parameter.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                float[] values = weights.get(parameter.name());
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(4 * values.length);
                buffer.asFloatBuffer().put(values);
                digest.update(buffer.array());
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String describe(Checkpoint.Position position) {
        return position.training()
                ? "iteration " + (position.iteration() + 1) + ", epoch " + (position.epoch() + 1) + ", after "
                        + position.batch() + " minibatches of that epoch"
                : "the end of iteration " + position.iteration();
    }

    /** Takes the steps of a round from minibatch {@code batch} of epoch {@code epoch} on (at most {@code maxBatches}). */
    @FunctionalInterface
    private interface Steps {
        double[] run(long epoch, int batch, int maxBatches);
    }

    /** What one iteration did besides its C step's state: its μ, learning rate, L-step loss and times. */
    /** Minibatches whose training-mode passes re-estimate batch normalization's statistics for Δ(Θ). */
    static final int STATISTICS_BATCHES = 32;

    /** The epoch index of those minibatches: one no training phase reaches. */
    private static final long STATISTICS_EPOCH = Long.MAX_VALUE / 2;

    private record Step(
            int iteration, double mu, double learningRate, double lStepLoss, long lStepMillis, long cStepMillis) {}

    /** One LC run: the groups' state, the minibatch order and the history so far. */
    private final class Run {
        private final ModelSpec model;
        private final Dataset test;
        private final LcOptions options;
        private final LcListener listener;
        private final Learner learner;
        private final Evaluator evaluator;
        private final CStepKernels kernels;
        private final List<GroupState> groups = new ArrayList<>();
        private final List<IterationRecord> history = new ArrayList<>();
        private final int batchesPerEpoch;
        private final int iterations;
        private final BooleanSupplier stopRequested;
        private CheckpointStore store;
        private Duration checkpointInterval;
        private Map<String, Object> settings;
        private long lastCheckpointNanos;
        /** The training position a resumed run continues from, until its first training phase takes it. */
        private Checkpoint.Position pending;
        /** Minibatches done in the current epoch of the running training phase. */
        private int batchesDoneInEpoch;
        /** Whether the model has batch normalization, whose statistics must fit Δ(Θ). */
        private final boolean hasRunningStatistics;
        /** The last Δ(Θ) whose running statistics were re-estimated, and the result. */
        private Weights lastQuantized;

        private Weights lastFitted;

        Run(
                Backend backend,
                ModelSpec model,
                Dataset test,
                LcOptions options,
                LcListener listener,
                Learner learner,
                Evaluator evaluator,
                BooleanSupplier stopRequested) {
            this.stopRequested = stopRequested;
            this.model = model;
            this.test = test;
            this.options = options;
            this.listener = listener;
            this.learner = learner;
            this.evaluator = evaluator;
            this.kernels = SmallVectorKernels.around(backend.cStepKernels());
            for (int t = 0; t < options.tasks().size(); t++) {
                CompressionTask task = options.tasks().get(t);
                long seed = options.seed() + TASK_SEED_STRIDE * t;
                groups.add(new GroupState(task, model, solverFactory.solverFor(task.codebook(), seed, kernels)));
            }
            this.batchesPerEpoch = learner.batchesPerEpoch();
            this.hasRunningStatistics = model.parameters().stream().anyMatch(parameter -> !parameter.trainable());
            this.iterations = options.method() == CompressionMethod.DIRECT_COMPRESSION
                    ? 0
                    : options.muSchedule().iterations();
        }

        void checkpointTo(CheckpointStore store, Duration interval, Map<String, Object> settings) {
            this.store = store;
            this.checkpointInterval = interval;
            this.settings = settings;
        }

        LcResult from(Weights reference) {
            learner.load(reference);
            long start = System.nanoTime();
            groups.forEach(group -> group.quantize(reference));
            report(new Step(0, 0, 0, Double.NaN, 0, millisSince(start)), reference);
            checkpoint(Checkpoint.Position.boundary(0));
            return continueFrom(0, reference);
        }

        /** Restores the state {@code checkpoint} saved and continues the run from its position. */
        LcResult resume(Checkpoint checkpoint) {
            Checkpoint.Position position = checkpoint.position();
            String source = "the checkpoint";
            if (position.iteration() > iterations
                    || (position.training() && position.iteration() >= iterations)
                    || checkpoint.history().size() != position.iteration() + 1
                    || checkpoint.groups().size() != groups.size()) {
                throw new InvalidInputException(source + " does not fit this run: position " + position + ", "
                        + checkpoint.history().size() + " records, "
                        + checkpoint.groups().size() + " groups for "
                        + iterations + " iterations and " + groups.size() + " groups");
            }
            if (position.training()) {
                long batches = (long) options.optimizer().epochs(position.iteration()) * batchesPerEpoch;
                if (position.epoch() > options.optimizer().epochs(position.iteration())
                        || position.batch() > batchesPerEpoch
                        || position.done() > batches) {
                    throw new InvalidInputException(source + " stopped at " + position
                            + ", outside this run's schedule of " + batches + " minibatches");
                }
                pending = position;
            }
            learner.restore(Weights.of(model, checkpoint.weights()), checkpoint.momentum());
            Weights current = learner.snapshot();
            for (int g = 0; g < groups.size(); g++) {
                groups.get(g).restore(checkpoint.groups().get(g), current);
            }
            history.addAll(checkpoint.history());
            return continueFrom(position.iteration(), current);
        }

        /** Runs the method's iterations from {@code first}, {@code current} being the weights after iteration first − 1. */
        private LcResult continueFrom(int first, Weights current) {
            Weights weights = switch (options.method()) {
                case AUGMENTED_LAGRANGIAN, QUADRATIC_PENALTY -> learningCompression(first, current);
                case ITERATED_DIRECT_COMPRESSION -> iteratedDirectCompression(first, current);
                case STRAIGHT_THROUGH -> straightThrough(first);
                case DIRECT_COMPRESSION -> current;
            };
            return new LcResult(
                    quantizedWeights(weights),
                    groups.stream().map(GroupState::result).toList(),
                    history,
                    CompressionRatio.of(model, options.tasks()));
        }

        /** Writes a checkpoint at {@code position} when checkpoints are on; an interrupt waits until it is written. */
        private void checkpoint(Checkpoint.Position position) {
            if (store == null) {
                return;
            }
            // an interrupted thread's file channels close on their next write: write first, then stop
            boolean interrupted = Thread.interrupted();
            try {
                List<Checkpoint.Group> states =
                        groups.stream().map(GroupState::checkpoint).toList();
                store.write(new Checkpoint(
                        settings, position, learner.snapshot().toMap(), learner.momentum(), states, history));
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            lastCheckpointNanos = System.nanoTime();
        }

        /** LC: L step with the penalty toward Δ(Θ) + λ/μ, C step on w − λ/μ, multipliers, for every μ. */
        private Weights learningCompression(int first, Weights current) {
            Weights weights = current;
            for (int k = first; k < iterations; k++) {
                double mu = options.muSchedule().mu(k);
                double learningRate = options.optimizer().learningRate(k);
                learner.setPenalty(penaltyTargets(mu), mu);
                long start = System.nanoTime();
                double lStepLoss = lStep(k, mu, learningRate);
                long lStepMillis = millisSince(start);
                weights = learner.snapshot();
                start = System.nanoTime();
                cStep(weights, mu);
                report(new Step(k + 1, mu, learningRate, lStepLoss, lStepMillis, millisSince(start)), weights);
                checkpoint(Checkpoint.Position.boundary(k + 1));
            }
            learner.clearPenalty();
            return weights;
        }

        /**
         * iDC: every iteration trains without penalty from the quantized weights (momentum reset),
         * for as many epochs as LC's L step, then quantizes w again (warm-started).
         */
        private Weights iteratedDirectCompression(int first, Weights current) {
            Weights weights = current;
            for (int k = first; k < iterations; k++) {
                double learningRate = options.optimizer().learningRate(k);
                if (pending == null) {
                    // a run resumed inside this training phase has its trainer state from the checkpoint
                    learner.load(quantizedWeights(weights));
                }
                long start = System.nanoTime();
                double loss = trainEpochs(
                        k,
                        "iDC training " + (k + 1) + "/" + iterations,
                        learningRate,
                        (epoch, batch, maxBatches) -> learner.steps(epoch, batch, maxBatches, learningRate));
                long trainingMillis = millisSince(start);
                weights = learner.snapshot();
                start = System.nanoTime();
                quantize(weights);
                report(new Step(k + 1, 0, learningRate, loss, trainingMillis, millisSince(start)), weights);
                checkpoint(Checkpoint.Position.boundary(k + 1));
            }
            return weights;
        }

        /**
         * STE: every step takes the gradient at Δ(Θ) and applies it to the float weights, whose
         * quantization is refreshed (a warm-started C step) after the step; as many epochs as LC.
         */
        private Weights straightThrough(int first) {
            // the float weights after the latest step, which that step's C step already read
            Weights[] latest = {learner.snapshot()};
            for (int k = first; k < iterations; k++) {
                double learningRate = options.optimizer().learningRate(k);
                long[] cStepNanos = {0};
                long start = System.nanoTime();
                double loss = trainEpochs(
                        k, "STE epochs " + (k + 1) + "/" + iterations, learningRate, (epoch, batch, maxBatches) -> {
                            double stepLoss =
                                    learner.straightThroughStep(epoch, batch, quantizedParameters(), learningRate);
                            long cStart = System.nanoTime();
                            latest[0] = learner.snapshot();
                            quantize(latest[0]);
                            cStepNanos[0] += System.nanoTime() - cStart;
                            return new double[] {stepLoss};
                        });
                long cStepMillis = cStepNanos[0] / 1_000_000;
                long trainingMillis = millisSince(start) - cStepMillis;
                report(new Step(k + 1, 0, learningRate, loss, trainingMillis, cStepMillis), latest[0]);
                checkpoint(Checkpoint.Position.boundary(k + 1));
            }
            return latest[0];
        }

        /** Θ = Π(w) for every group: the C step on the weights themselves, warm-started. */
        private void quantize(Weights weights) {
            groups.forEach(group -> group.quantize(weights));
        }

        /** Δ(Θ) of every compressed parameter, by parameter name. */
        private Map<String, float[]> quantizedParameters() {
            Map<String, float[]> quantized = new LinkedHashMap<>();
            groups.forEach(group -> group.split(group.quantized, quantized));
            return quantized;
        }

        /** The targets Δ(Θ) + λ/μ of every compressed parameter. */
        private Map<String, float[]> penaltyTargets(double mu) {
            Map<String, float[]> targets = new LinkedHashMap<>();
            groups.forEach(group -> group.penaltyTargets(mu, kernels, targets));
            return targets;
        }

        /** SGD on L(w) + μ/2‖w − Δ(Θ) − λ/μ‖² for the epochs of iteration k; returns the mean loss. */
        private double lStep(int k, double mu, double learningRate) {
            return trainEpochs(
                    k,
                    "L step " + (k + 1) + "/" + iterations + " (μ=" + mu + ")",
                    learningRate,
                    (epoch, batch, maxBatches) -> learner.steps(epoch, batch, maxBatches, learningRate));
        }

        /**
         * Runs {@code step} on every minibatch of the epochs of iteration k (from where a resumed
         * run stopped), writing a checkpoint whenever the interval has passed and when a stop is
         * requested; returns the mean loss.
         */
        private double trainEpochs(int k, String phase, double learningRate, Steps step) {
            int epochs = options.optimizer().epochs(k);
            ProgressMeter meter = new ProgressMeter(listener, phase, (long) epochs * batchesPerEpoch);
            int firstEpoch = 0;
            int firstBatch = 0;
            if (pending != null) {
                firstEpoch = pending.epoch();
                firstBatch = pending.batch();
                meter.resume(pending.done(), pending.lossSum());
                pending = null;
            }
            long firstEpochIndex = firstEpochIndex(k);
            for (int epoch = firstEpoch; epoch < epochs; epoch++) {
                int current = epoch;
                batchesDoneInEpoch = firstBatch;
                BooleanSupplier stopWithCheckpoint = () -> {
                    if (!stopRequested.getAsBoolean()) {
                        return false;
                    }
                    if (store != null) {
                        checkpoint(trainingPosition(k, current, batchesDoneInEpoch, meter));
                        listener.onNotice("stopped; checkpoint written to " + store.folder());
                    }
                    return true;
                };
                long epochIndex = firstEpochIndex + epoch;
                Epochs.run(
                        batchesPerEpoch,
                        firstBatch,
                        phase,
                        learningRate,
                        stopWithCheckpoint,
                        (batch, maxBatches) -> step.run(epochIndex, batch, maxBatches),
                        meter,
                        done -> {
                            batchesDoneInEpoch = done;
                            if (store != null
                                    && System.nanoTime() - lastCheckpointNanos >= checkpointInterval.toNanos()) {
                                checkpoint(trainingPosition(k, current, done, meter));
                            }
                        });
                firstBatch = 0;
            }
            return meter.meanLoss();
        }

        /** The position after {@code done} minibatches of epoch {@code epoch} of iteration k. */
        private Checkpoint.Position trainingPosition(int k, int epoch, int done, ProgressMeter meter) {
            boolean epochFinished = done == batchesPerEpoch;
            return new Checkpoint.Position(
                    true,
                    k,
                    epochFinished ? epoch + 1 : epoch,
                    epochFinished ? 0 : done,
                    meter.done(),
                    meter.lossSum());
        }

        /** The run's index of the first epoch of iteration k: the minibatch order of an epoch depends on it. */
        private long firstEpochIndex(int k) {
            long index = 0;
            for (int j = 0; j < k; j++) {
                index += options.optimizer().epochs(j);
            }
            return index;
        }

        /** Θ = Π(w − λ/μ) for every group, then λ ← λ − μ(w − Δ(Θ)) unless in quadratic-penalty mode. */
        private void cStep(Weights weights, double mu) {
            groups.forEach(group -> group.compressionStep(weights, mu, options.method(), kernels));
        }

        /** Evaluates the quantized net, records the iteration and tells the listener. */
        private void report(Step step, Weights weights) {
            RunChecks.checkNotStopped(stopRequested, "the evaluation of iteration " + step.iteration());
            long start = System.nanoTime();
            Weights quantized = quantizedWeights(weights);
            evaluator.load(quantized);
            Evaluation train =
                    options.evaluateTrainingSet() ? learner.evaluate(quantized, evaluator) : Evaluation.empty();
            Evaluation testEvaluation = DatasetEvaluation.of(evaluator, test);
            long evaluationMillis = millisSince(start);
            double violation = 0;
            double multipliers = 0;
            Map<String, float[]> codebooks = new LinkedHashMap<>();
            for (GroupState group : groups) {
                violation += kernels.distortion(group.weights, group.quantized);
                multipliers += group.multiplierSquaredNorm();
                codebooks.put(group.task.name(), group.solution.values());
            }
            IterationRecord record = new IterationRecord(
                    step.iteration(),
                    step.mu(),
                    step.learningRate(),
                    step.lStepLoss(),
                    Math.sqrt(violation),
                    Math.sqrt(multipliers),
                    train,
                    testEvaluation,
                    codebooks,
                    step.lStepMillis(),
                    step.cStepMillis(),
                    evaluationMillis);
            history.add(record);
            listener.onIterationEnd(record, iterations);
        }

        /**
         * Returns Δ(Θ) with the uncompressed parameters of {@code weights} and, in a model with
         * batch normalization, running statistics re-estimated for Δ(Θ) (see
         * {@link #fitRunningStatistics}).
         */
        private Weights quantizedWeights(Weights weights) {
            Weights quantized = weights.with(quantizedParameters());
            if (!hasRunningStatistics) {
                return quantized;
            }
            if (!quantized.equals(lastQuantized)) {
                lastQuantized = quantized;
                lastFitted = fitRunningStatistics(quantized);
            }
            return lastFitted;
        }

        /**
         * The running statistics of the L step track the float weights w, not Δ(Θ): far from
         * convergence (and always for DC) they do not fit the quantized net. So before Δ(Θ) is
         * evaluated, reported or returned, its statistics are re-estimated: training-mode passes
         * over {@value #STATISTICS_BATCHES} fixed minibatches at learning rate 0 (the weights stay
         * Δ(Θ), only the running averages move), then the learner gets back its weights and
         * momentum. The minibatches come from an epoch index no training phase uses, so a resumed
         * run re-estimates the same statistics.
         */
        private Weights fitRunningStatistics(Weights quantized) {
            Weights saved = learner.snapshot();
            Map<String, float[]> momentum = learner.momentum();
            learner.load(quantized);
            int batches = Math.min(STATISTICS_BATCHES, batchesPerEpoch);
            for (int done = 0; done < batches; ) {
                done += learner.steps(STATISTICS_EPOCH, done, batches - done, 0).length;
            }
            Weights fitted = learner.snapshot();
            learner.restore(saved, momentum);
            return fitted;
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** The state of one compression group: concatenated w, λ, Θ and Δ(Θ). */
    private static final class GroupState {
        final CompressionTask task;
        final CStepSolver solver;
        final int[] offsets;
        /** For a channel task: the channel's flat positions in its parameter; else null. */
        final int[] positions;

        final int[] parameterSizes;
        final float[] weights;
        final float[] multipliers;
        float[] quantized;
        CStepSolution solution;

        GroupState(CompressionTask task, ModelSpec model, CStepSolver solver) {
            this.task = task;
            this.solver = solver;
            positions = task.isChannel()
                    ? model.parameter(task.parameters().get(0)).channelPositions(task.channel())
                    : null;
            offsets = new int[task.parameters().size() + 1];
            parameterSizes = new int[task.parameters().size()];
            for (int p = 0; p < task.parameters().size(); p++) {
                parameterSizes[p] = model.parameter(task.parameters().get(p)).size();
                offsets[p + 1] = offsets[p] + (positions != null ? positions.length : parameterSizes[p]);
            }
            weights = new float[offsets[offsets.length - 1]];
            multipliers = new float[weights.length];
        }

        void gather(Weights source) {
            if (positions != null) {
                source.copyPositions(task.parameters().get(0), positions, weights, 0);
                return;
            }
            for (int p = 0; p < task.parameters().size(); p++) {
                float[] values = source.get(task.parameters().get(p));
                System.arraycopy(values, 0, weights, offsets[p], values.length);
            }
        }

        /**
         * Writes {@code concatenated} (this task's layout) into {@code destination}'s parameter
         * arrays; a channel task fills its channel of an array it shares with the parameter's other
         * channel tasks ({@link CompressionTask#checkAgainst} makes them cover every channel).
         */
        void split(float[] concatenated, Map<String, float[]> destination) {
            if (positions != null) {
                float[] values =
                        destination.computeIfAbsent(task.parameters().get(0), name -> new float[parameterSizes[0]]);
                for (int i = 0; i < positions.length; i++) {
                    values[positions[i]] = concatenated[i];
                }
                return;
            }
            for (int p = 0; p < task.parameters().size(); p++) {
                float[] values = new float[offsets[p + 1] - offsets[p]];
                System.arraycopy(concatenated, offsets[p], values, 0, values.length);
                destination.put(task.parameters().get(p), values);
            }
        }

        void penaltyTargets(double mu, CStepKernels kernels, Map<String, float[]> destination) {
            float[] target = new float[weights.length];
            kernels.penaltyTarget(quantized, multipliers, mu, target);
            split(target, destination);
        }

        /** Θ = Π(w): the C step on the weights themselves (DC; iDC and STE warm-started). */
        void quantize(Weights current) {
            gather(current);
            solve(weights);
        }

        void compressionStep(Weights current, double mu, CompressionMethod mode, CStepKernels kernels) {
            gather(current);
            float[] shifted = new float[weights.length];
            kernels.shiftedWeights(weights, multipliers, mu, shifted);
            solve(shifted);
            if (mode == CompressionMethod.AUGMENTED_LAGRANGIAN) {
                kernels.updateMultipliers(multipliers, weights, quantized, mu);
            }
        }

        private void solve(float[] x) {
            RunChecks.checkFiniteInput(task, offsets, x);
            solution = solver.solve(x, solution);
            quantized = solution.reconstruction();
        }

        Checkpoint.Group checkpoint() {
            return new Checkpoint.Group(
                    task.name(),
                    multipliers.clone(),
                    solution.values().clone(),
                    solution.scale(),
                    solution.assignments().clone(),
                    solution.reconstruction().clone(),
                    solution.distortion());
        }

        /** Takes λ and the C-step solution from {@code saved}, and w from {@code current}. */
        void restore(Checkpoint.Group saved, Weights current) {
            if (!saved.task().equals(task.name()) || saved.multipliers().length != weights.length) {
                throw new InvalidInputException("the checkpoint's group " + saved.task() + " of "
                        + saved.multipliers().length + " weights does not fit task " + task.name() + " of "
                        + weights.length);
            }
            gather(current);
            System.arraycopy(saved.multipliers(), 0, multipliers, 0, multipliers.length);
            solution = new CStepSolution(
                    saved.values().clone(),
                    saved.scale(),
                    saved.assignments().clone(),
                    saved.reconstruction().clone(),
                    saved.distortion());
            quantized = solution.reconstruction();
        }

        double multiplierSquaredNorm() {
            double sum = 0;
            for (float value : multipliers) {
                sum += (double) value * value;
            }
            return sum;
        }

        QuantizedGroup result() {
            Map<String, int[]> assignments = new LinkedHashMap<>();
            for (int p = 0; p < task.parameters().size(); p++) {
                int[] slice = new int[offsets[p + 1] - offsets[p]];
                System.arraycopy(solution.assignments(), offsets[p], slice, 0, slice.length);
                assignments.put(task.parameters().get(p), slice);
            }
            return new QuantizedGroup(task.name(), task.codebook(), solution.values(), solution.scale(), assignments);
        }
    }
}
