package io.github.lc4j.core;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.Backend;
import io.github.lc4j.api.Batch;
import io.github.lc4j.api.CStepKernels;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.Lc4jException;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcMode;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.QuantizedGroup;
import io.github.lc4j.api.Trainer;
import io.github.lc4j.api.TrainerOptions;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.cstep.CStepSolution;
import io.github.lc4j.core.cstep.CStepSolver;
import io.github.lc4j.core.data.Minibatches;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.model.CompressionRatio;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
public final class LcAlgorithm {
    private final CStepSolverFactory solverFactory;

    /** Creates the algorithm with the given C-step solvers. */
    @Inject
    public LcAlgorithm(CStepSolverFactory solverFactory) {
        this.solverFactory = requireNonNull(solverFactory, "solverFactory is null");
    }

    /**
     * Runs LC from {@code reference} on {@code backend} with {@code threads} threads.
     *
     * @throws InvalidInputException when tasks, weights or data do not fit the model
     * @throws Lc4jException         when an L step diverges
     */
    public LcResult run(Backend backend, ModelSpec model, Weights reference, TrainTestSplit data, LcOptions options,
            int threads, LcListener listener) {
        requireNonNull(backend, "backend is null");
        requireNonNull(listener, "listener is null");
        CompressionTask.checkAgainst(model, options.tasks());
        checkDataFits(model, data);
        Weights.of(model, reference.toMap());
        backend.checkSupports(model);

        CStepKernels kernels = backend.cStepKernels();
        List<GroupState> groups = new ArrayList<>();
        for (int t = 0; t < options.tasks().size(); t++) {
            CompressionTask task = options.tasks().get(t);
            groups.add(new GroupState(task, model,
                    solverFactory.solverFor(task.codebook(), options.seed() + 7919L * t, kernels)));
        }
        int iterations = options.muSchedule().iterations();
        List<IterationRecord> history = new ArrayList<>();
        Minibatches minibatches = new Minibatches(data.train(), options.optimizer().batchSize(), options.seed());
        long epochCounter = 0;

        try (Trainer trainer = backend.newTrainer(model, TrainerOptions.of(options.optimizer(), threads));
                Trainer evaluator = backend.newTrainer(model, TrainerOptions.plainSgd(threads))) {
            trainer.load(reference);
            Weights weights = reference;

            long start = System.nanoTime();
            for (GroupState group : groups) {
                group.directCompression(weights);
            }
            long cStepMillis = millisSince(start);
            history.add(record(0, 0, 0, Double.NaN, groups, weights, evaluator, data, options, kernels, 0,
                    cStepMillis));
            listener.onIterationEnd(history.get(0), iterations);

            for (int k = 0; k < iterations; k++) {
                double mu = options.muSchedule().mu(k);
                double learningRate = options.optimizer().learningRate(k);
                Map<String, float[]> targets = new LinkedHashMap<>();
                for (GroupState group : groups) {
                    group.penaltyTargets(mu, kernels, targets);
                }
                trainer.setPenalty(targets, mu);

                start = System.nanoTime();
                int epochs = options.optimizer().epochs(k);
                ProgressMeter meter = new ProgressMeter(listener, "L step " + (k + 1) + "/" + iterations,
                        (long) epochs * minibatches.batchesPerEpoch());
                for (int epoch = 0; epoch < epochs; epoch++) {
                    List<int[]> order = minibatches.epochIndices(epochCounter++);
                    for (int b = 0; b < order.size(); b++) {
                        Batch batch = minibatches.batch(order, b);
                        double loss = trainer.step(batch, learningRate);
                        checkFiniteLoss(loss, "L step " + (k + 1) + " (μ=" + mu + ")", learningRate);
                        meter.add(loss);
                    }
                }
                long lStepMillis = millisSince(start);
                weights = trainer.snapshot();

                start = System.nanoTime();
                for (GroupState group : groups) {
                    group.compressionStep(weights, mu, options.mode(), kernels);
                }
                cStepMillis = millisSince(start);
                IterationRecord iterationRecord = record(k + 1, mu, learningRate, meter.meanLoss(), groups, weights,
                        evaluator, data, options, kernels, lStepMillis, cStepMillis);
                history.add(iterationRecord);
                listener.onIterationEnd(iterationRecord, iterations);
            }
            trainer.clearPenalty();
            Weights quantized = quantizedWeights(weights, groups);
            List<QuantizedGroup> results = groups.stream().map(GroupState::result).toList();
            return new LcResult(quantized, results, history, CompressionRatio.of(model, options.tasks()));
        }
    }

    private static IterationRecord record(int iteration, double mu, double learningRate, double lStepLoss,
            List<GroupState> groups, Weights weights, Trainer evaluator, TrainTestSplit data, LcOptions options,
            CStepKernels kernels, long lStepMillis, long cStepMillis) {
        long start = System.nanoTime();
        evaluator.load(quantizedWeights(weights, groups));
        Evaluation train = options.evaluateTrainingSet() ? Evaluator.evaluate(evaluator, data.train())
                : Evaluation.empty();
        Evaluation test = Evaluator.evaluate(evaluator, data.test());
        long evaluationMillis = millisSince(start);
        double violation = 0;
        double multipliers = 0;
        Map<String, float[]> codebooks = new LinkedHashMap<>();
        for (GroupState group : groups) {
            violation += kernels.distortion(group.weights, group.quantized);
            multipliers += group.multiplierSquaredNorm();
            codebooks.put(group.task.name(), group.solution.values());
        }
        return new IterationRecord(iteration, mu, learningRate, lStepLoss, Math.sqrt(violation),
                Math.sqrt(multipliers), train, test, codebooks, lStepMillis, cStepMillis, evaluationMillis);
    }

    private static Weights quantizedWeights(Weights weights, List<GroupState> groups) {
        Map<String, float[]> replacements = new LinkedHashMap<>();
        for (GroupState group : groups) {
            group.split(group.quantized, replacements);
        }
        return weights.with(replacements);
    }

    /**
     * Checks that {@code data} fits {@code model}: sample size and label range.
     *
     * @throws InvalidInputException naming the mismatch
     */
    static void checkDataFits(ModelSpec model, TrainTestSplit data) {
        if (data.train().sampleSize() != model.inputSize()) {
            throw new InvalidInputException("data samples have " + data.train().sampleSize() + " values but model "
                    + model.name() + " expects " + model.inputSize());
        }
        int classes = Math.max(data.train().classCount(), data.test().classCount());
        if (classes > model.classCount()) {
            throw new InvalidInputException("data has labels up to " + (classes - 1) + " but model " + model.name()
                    + " has only " + model.classCount() + " outputs");
        }
    }

    /**
     * Throws naming the parameter (and index within it) of the first non-finite C-step input of
     * {@code task}, whose concatenated parameters start at {@code offsets}.
     */
    static void checkFiniteInput(CompressionTask task, int[] offsets, float[] x) {
        for (int p = 0; p < task.parameters().size(); p++) {
            for (int i = offsets[p]; i < offsets[p + 1]; i++) {
                if (!Float.isFinite(x[i])) {
                    throw new InvalidInputException("parameter " + task.parameters().get(p) + " (task " + task.name()
                            + ") has a non-finite C-step input " + x[i] + " at index " + (i - offsets[p])
                            + "; the L step diverged: lower the learning rate or μ0");
                }
            }
        }
    }

    static void checkFiniteLoss(double loss, String where, double learningRate) {
        if (!Double.isFinite(loss)) {
            throw new Lc4jException(where + " diverged: the loss became " + loss + " at learning rate " + learningRate
                    + "; lower the learning rate or μ0");
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
        final float[] weights;
        final float[] multipliers;
        float[] quantized;
        CStepSolution solution;

        GroupState(CompressionTask task, ModelSpec model, CStepSolver solver) {
            this.task = task;
            this.solver = solver;
            offsets = new int[task.parameters().size() + 1];
            for (int p = 0; p < task.parameters().size(); p++) {
                offsets[p + 1] = offsets[p] + model.parameter(task.parameters().get(p)).size();
            }
            weights = new float[offsets[offsets.length - 1]];
            multipliers = new float[weights.length];
        }

        void gather(Weights source) {
            for (int p = 0; p < task.parameters().size(); p++) {
                float[] values = source.get(task.parameters().get(p));
                System.arraycopy(values, 0, weights, offsets[p], values.length);
            }
        }

        void split(float[] concatenated, Map<String, float[]> destination) {
            for (int p = 0; p < task.parameters().size(); p++) {
                float[] values = new float[offsets[p + 1] - offsets[p]];
                System.arraycopy(concatenated, offsets[p], values, 0, values.length);
                destination.put(task.parameters().get(p), values);
            }
        }

        void directCompression(Weights reference) {
            gather(reference);
            solve(weights);
        }

        void penaltyTargets(double mu, CStepKernels kernels, Map<String, float[]> destination) {
            float[] target = new float[weights.length];
            kernels.penaltyTarget(quantized, multipliers, mu, target);
            split(target, destination);
        }

        void compressionStep(Weights current, double mu, LcMode mode, CStepKernels kernels) {
            gather(current);
            float[] shifted = new float[weights.length];
            kernels.shiftedWeights(weights, multipliers, mu, shifted);
            solve(shifted);
            if (mode == LcMode.AUGMENTED_LAGRANGIAN) {
                kernels.updateMultipliers(multipliers, weights, quantized, mu);
            }
        }

        private void solve(float[] x) {
            checkFiniteInput(task, offsets, x);
            solution = solver.solve(x, solution);
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
