package io.github.lc4j.core;

import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.RunTimes;
import io.github.lc4j.api.TrainingEvaluation;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.core.cstep.BitAllocation;
import io.github.lc4j.core.cstep.CStepSolver;
import io.github.lc4j.core.cstep.CStepSolverFactory;
import io.github.lc4j.core.cstep.SmallVectorKernels;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.io.Checkpoint;
import io.github.lc4j.core.io.CheckpointStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The state one LC run shares with its method ({@link LcMethod}): the groups' C-step state, the
 * learner and evaluator, the minibatch order, the history so far and checkpointing; and the
 * operations every method is made of (train epochs, quantize, report, checkpoint).
 */
final class LcRun {
    /** Takes the steps of a round from minibatch {@code batch} of epoch {@code epoch} on (at most {@code maxBatches}). */
    @FunctionalInterface
    interface Steps {
        double[] run(long epoch, int batch, int maxBatches);
    }

    /** Minibatches whose training-mode passes re-estimate batch normalization's statistics for Δ(Θ). */
    static final int STATISTICS_BATCHES = 32;

    /** The epoch index of those minibatches: one no training phase reaches. */
    private static final long STATISTICS_EPOCH = Long.MAX_VALUE / 2;

    /** What one iteration did besides its C step's state: its μ, learning rate, training phase and C-step time. */
    record Step(int iteration, double mu, double learningRate, Phase training, long cStepMillis) {}

    /**
     * A training phase's mean minibatch loss (NaN when there was none), its wall time without the
     * checkpoints written during it, and the part of that time spent waiting for minibatches.
     */
    record Phase(double meanLoss, long millis, long dataMillis) {
        static final Phase NONE = new Phase(Double.NaN, 0, 0);

        /** The same phase less {@code millis} of its time spent elsewhere (STE's C steps). */
        Phase less(long otherMillis) {
            return new Phase(meanLoss, Math.max(0, millis - otherMillis), dataMillis);
        }
    }

    /** How the run's iterations go: LC, iDC, STE or DC. */
    private final LcMethod method;

    private final ModelSpec model;
    private final Dataset test;
    final LcOptions options;
    private final LcListener listener;
    final Learner learner;
    private final Evaluator evaluator;
    private final CStepKernels kernels;
    private final List<GroupState> groups = new ArrayList<>();
    private final List<IterationRecord> history = new ArrayList<>();
    private final int batchesPerEpoch;
    final int iterations;
    private final BooleanSupplier stopRequested;
    private CheckpointStore store;
    private Duration checkpointInterval;
    private Map<String, Object> settings;
    private long lastCheckpointNanos;
    /** The training position a resumed run continues from, until its first training phase takes it. */
    Checkpoint.Position pending;
    /** Minibatches done in the current epoch of the running training phase. */
    private int batchesDoneInEpoch;
    /** Whether the model has batch normalization, whose statistics must fit Δ(Θ). */
    private final boolean hasRunningStatistics;
    /** The last Δ(Θ) whose running statistics were re-estimated, and the result. */
    private Weights lastQuantized;

    private Weights lastFitted;
    /** When this process started or resumed the run, and the time its parts took so far. */
    private long startNanos;

    private long computeMillis;
    private long dataMillis;
    private long cStepMillis;
    private long evaluationMillis;
    private long checkpointNanos;
    /** The bits the groups that choose their codebook may store together; −1 when none chooses. */
    private final long choiceCapacity;

    LcRun(
            CStepSolverFactory solverFactory,
            Backend backend,
            ModelSpec model,
            Dataset test,
            LcOptions options,
            LcListener listener,
            Learner learner,
            Evaluator evaluator,
            BooleanSupplier stopRequested) {
        this.stopRequested = stopRequested;
        this.method = LcMethod.of(options.method());
        this.model = model;
        this.test = test;
        this.options = options;
        this.listener = listener;
        this.learner = learner;
        this.evaluator = evaluator;
        this.kernels = SmallVectorKernels.around(backend.cStepKernels());
        for (int t = 0; t < options.tasks().size(); t++) {
            CompressionTask task = options.tasks().get(t);
            long seed = options.seed() + LcAlgorithm.TASK_SEED_STRIDE * t;
            List<CStepSolver> solvers = GroupState.candidatesOf(task.codebook()).stream()
                    .map(candidate -> solverFactory.solverFor(candidate, seed, kernels))
                    .toList();
            groups.add(new GroupState(task, model, solvers));
        }
        if (options.choosesCodebooks()) {
            choiceCapacity = CompressionRatio.choiceCapacity(model, options.tasks(), options.bitBudget());
            // fails now, before any training, when even the smallest candidates do not fit
            try {
                BitAllocation.withinBudget(
                        choosingGroups().stream().map(GroupState::bitsOnly).toList(), choiceCapacity);
            } catch (InvalidInputException e) {
                throw new InvalidInputException("the budget of "
                        + options.bitBudget().describe() + " is too small for " + model.name() + ": " + e.getMessage());
            }
        } else {
            choiceCapacity = -1;
        }
        this.batchesPerEpoch = learner.batchesPerEpoch();
        this.hasRunningStatistics = !model.runningStatistics().isEmpty();
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
        startNanos = System.nanoTime();
        learner.load(reference);
        long start = System.nanoTime();
        quantize(reference);
        report(new Step(0, 0, 0, Phase.NONE, millisSince(start)), reference);
        checkpoint(Checkpoint.Position.boundary(0));
        return continueFrom(0, reference);
    }

    /** Restores the state {@code checkpoint} saved and continues the run from its position. */
    LcResult resume(Checkpoint checkpoint) {
        startNanos = System.nanoTime();
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
                throw new InvalidInputException(source + " stopped at " + position + ", outside this run's schedule of "
                        + batches + " minibatches");
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
        Weights weights = method.iterate(this, first, current);
        if (options.trainingEvaluation().when() == TrainingEvaluation.When.AT_END) {
            evaluateTrainingSetAtEnd(weights);
        }
        return new LcResult(
                quantizedWeights(weights),
                groups.stream().map(GroupState::result).toList(),
                history,
                compressionRatio(),
                stopReason(),
                new RunTimes(
                        millisSince(startNanos),
                        computeMillis,
                        dataMillis,
                        cStepMillis,
                        evaluationMillis,
                        checkpointNanos / 1_000_000));
    }

    /** Evaluates the returned net Δ(Θ) on every training sample, into the last record. */
    private void evaluateTrainingSetAtEnd(Weights weights) {
        long start = System.nanoTime();
        Weights quantized = quantizedWeights(weights);
        evaluator.load(quantized);
        Evaluation train = learner.evaluate(quantized, evaluator);
        IterationRecord last = history.remove(history.size() - 1);
        history.add(last.withTrain(train));
        evaluationMillis += millisSince(start);
    }

    /** Whether LC stops at convergence and the last iteration so far has converged. */
    boolean converged() {
        return options.stopsWhenConverged()
                && history.get(history.size() - 1).converged(options.convergenceTolerance());
    }

    private LcResult.StopReason stopReason() {
        if (!options.stopsWhenConverged()) {
            return LcResult.StopReason.SCHEDULE_END;
        }
        return converged() ? LcResult.StopReason.CONVERGED : LcResult.StopReason.ITERATION_CAP;
    }

    /** Writes a checkpoint at {@code position} when checkpoints are on; an interrupt waits until it is written. */
    void checkpoint(Checkpoint.Position position) {
        if (store == null) {
            return;
        }
        // an interrupted thread's file channels close on their next write: write first, then stop
        boolean interrupted = Thread.interrupted();
        long start = System.nanoTime();
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
        checkpointNanos += lastCheckpointNanos - start;
    }

    /** Θ = Π(w) for every group: the C step on the weights themselves, warm-started. */
    void quantize(Weights weights) {
        groups.forEach(group -> group.quantize(weights));
        choose();
    }

    /**
     * Makes every group take one of its candidates' solutions: the only one of a fixed codebook;
     * for the groups that choose, the allocation of {@link BitAllocation#withinBudget} over them all.
     */
    private void choose() {
        List<GroupState> choosing = choosingGroups();
        int[] choices = choosing.isEmpty()
                ? new int[0]
                : BitAllocation.withinBudget(
                                choosing.stream().map(GroupState::costs).toList(), choiceCapacity)
                        .choices();
        for (GroupState group : groups) {
            if (!group.chooses) {
                group.choose(0);
            }
        }
        for (int g = 0; g < choosing.size(); g++) {
            choosing.get(g).choose(choices[g]);
        }
    }

    private List<GroupState> choosingGroups() {
        return groups.stream().filter(group -> group.chooses).toList();
    }

    /** ρ of Δ(Θ) with the codebooks the groups have chosen. */
    private double compressionRatio() {
        return CompressionRatio.of(
                model, groups.stream().map(GroupState::chosenTask).toList());
    }

    /** Θ ≈ Π(w) for every group, improved locally from the current Θ (see {@code CStepSolver.refine}). */
    void refine(Weights weights) {
        groups.forEach(group -> group.refine(weights));
    }

    /** Δ(Θ) of every compressed parameter, by parameter name. */
    Map<String, float[]> quantizedParameters() {
        Map<String, float[]> quantized = new LinkedHashMap<>();
        groups.forEach(group -> group.split(group.quantized, quantized));
        return quantized;
    }

    /** The targets Δ(Θ) + λ/μ of every compressed parameter. */
    Map<String, float[]> penaltyTargets(double mu) {
        Map<String, float[]> targets = new LinkedHashMap<>();
        groups.forEach(group -> group.penaltyTargets(mu, kernels, targets));
        return targets;
    }

    /** SGD on L(w) + μ/2‖w − Δ(Θ) − λ/μ‖² for the epochs of iteration k. */
    Phase lStep(int k, double mu, double learningRate) {
        return trainEpochs(
                k,
                "L step " + (k + 1) + "/" + iterations + " (μ=" + mu + ")",
                learningRate,
                (epoch, batch, maxBatches) -> learner.steps(epoch, batch, maxBatches, learningRate));
    }

    /**
     * Runs {@code step} on every minibatch of the epochs of iteration k (from where a resumed
     * run stopped), writing a checkpoint whenever the interval has passed and when a stop is
     * requested.
     */
    Phase trainEpochs(int k, String phase, double learningRate, Steps step) {
        long start = System.nanoTime();
        long checkpointsBefore = checkpointNanos;
        long dataBefore = learner.dataNanos();
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
                        if (store != null && System.nanoTime() - lastCheckpointNanos >= checkpointInterval.toNanos()) {
                            checkpoint(trainingPosition(k, current, done, meter));
                        }
                    });
            firstBatch = 0;
        }
        long millis = (System.nanoTime() - start - (checkpointNanos - checkpointsBefore)) / 1_000_000;
        return new Phase(meter.meanLoss(), millis, (learner.dataNanos() - dataBefore) / 1_000_000);
    }

    /** The position after {@code done} minibatches of epoch {@code epoch} of iteration k. */
    private Checkpoint.Position trainingPosition(int k, int epoch, int done, ProgressMeter meter) {
        boolean epochFinished = done == batchesPerEpoch;
        return new Checkpoint.Position(
                true, k, epochFinished ? epoch + 1 : epoch, epochFinished ? 0 : done, meter.done(), meter.lossSum());
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
    void cStep(Weights weights, double mu) {
        groups.forEach(group -> group.compressionStep(weights, mu, kernels));
        choose();
        groups.forEach(group -> group.updateMultipliers(mu, options.method(), kernels));
    }

    /** Evaluates the quantized net, records the iteration and tells the listener. */
    void report(Step step, Weights weights) {
        RunChecks.checkNotStopped(stopRequested, "the evaluation of iteration " + step.iteration());
        long start = System.nanoTime();
        Weights quantized = quantizedWeights(weights);
        evaluator.load(quantized);
        Evaluation train = switch (options.trainingEvaluation().when()) {
            case EVERY_ITERATION -> learner.evaluate(quantized, evaluator);
            case SAMPLE ->
                learner.evaluateSample(
                        quantized, evaluator, options.trainingEvaluation().sampleSize(), options.seed());
            case AT_END, NEVER -> Evaluation.empty();
        };
        Evaluation testEvaluation = DatasetEvaluation.of(evaluator, test);
        long evaluationMillis = millisSince(start);
        double violation = 0;
        double multipliers = 0;
        double weightNorm = 0;
        long changes = 0;
        Map<String, float[]> codebooks = new LinkedHashMap<>();
        Map<String, String> choices = new LinkedHashMap<>();
        for (GroupState group : groups) {
            if (group.chooses) {
                choices.put(
                        group.task.name(), group.candidates.get(group.chosen).describe());
            }
            violation += kernels.distortion(group.weights, group.quantized);
            multipliers += group.multiplierSquaredNorm();
            weightNorm += group.weightSquaredNorm();
            long groupChanges = group.assignmentChangesSinceLastReport();
            changes = groupChanges < 0 || changes < 0 ? -1 : changes + groupChanges;
            codebooks.put(group.task.name(), group.solution.values());
        }
        IterationRecord record = new IterationRecord(
                step.iteration(),
                step.mu(),
                step.learningRate(),
                step.training().meanLoss(),
                Math.sqrt(violation),
                Math.sqrt(multipliers),
                Math.sqrt(weightNorm),
                changes,
                train,
                testEvaluation,
                codebooks,
                choices,
                compressionRatio(),
                step.training().millis(),
                step.cStepMillis(),
                evaluationMillis,
                step.training().dataMillis());
        history.add(record);
        computeMillis += Math.max(0, step.training().millis() - step.training().dataMillis());
        dataMillis += step.training().dataMillis();
        cStepMillis += step.cStepMillis();
        this.evaluationMillis += evaluationMillis;
        listener.onIterationEnd(record, iterations);
    }

    /**
     * Returns Δ(Θ) with the uncompressed parameters of {@code weights} and, in a model with
     * batch normalization, running statistics re-estimated for Δ(Θ) (see
     * {@link #fitRunningStatistics}).
     */
    Weights quantizedWeights(Weights weights) {
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

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
