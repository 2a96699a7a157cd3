package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.github.lc4j.api.BitBudget;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.QuantizedGroup;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.core.cstep.CStepSolution;
import io.github.lc4j.core.cstep.CStepSolverFactory;
import io.github.lc4j.core.cstep.CStepSolvers;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** The LC invariants: DC first, C step on w − λ/μ, targets Δ(Θ) + λ/μ, λ ← λ − μ(w − Δ(Θ)). */
class LcAlgorithmTest {
    private static final ModelSpec MODEL =
            ModelSpec.of("tiny", new int[] {4}, List.of(Layer.dense("a", 6), Layer.tanh(), Layer.dense("b", 3)));
    private static final int ITERATIONS = 5;

    /** Records every C-step input and output while delegating to the real solvers. */
    private static final class RecordingSolvers implements CStepSolverFactory {
        final List<float[]> inputs = new ArrayList<>();
        final List<CStepSolution> outputs = new ArrayList<>();

        @Override
        public io.github.lc4j.core.cstep.CStepSolver solverFor(Codebook codebook, long seed, CStepKernels kernels) {
            var solver = CStepSolvers.forCodebook(codebook, seed, kernels);
            return (x, previous) -> {
                inputs.add(x.clone());
                CStepSolution solution = solver.solve(x, previous);
                outputs.add(solution);
                return solution;
            };
        }
    }

    private static TrainTestSplit data() {
        SplittableRandom random = new SplittableRandom(5);
        float[] inputs = new float[40 * 4];
        int[] labels = new int[40];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 3;
        }
        Dataset set = new Dataset("random", new int[] {4}, inputs, labels);
        return new TrainTestSplit(set, set, "random");
    }

    private static LcOptions options(CompressionMethod mode, List<CompressionTask> tasks) {
        return LcOptions.builder()
                .setTasks(tasks)
                .optMethod(mode)
                .optMuSchedule(MuSchedule.exponential(0.5, 1.5, ITERATIONS))
                .optOptimizer(OptimizerSpec.builder()
                        .optLearningRate(0.1)
                        .optMomentum(0)
                        .optNesterov(false)
                        .optBatchSize(20)
                        .optEpochsPerStep(1)
                        .build())
                .build();
    }

    private static List<CompressionTask> sharedTask(Codebook codebook) {
        return List.of(new CompressionTask("all", List.of("a.weight", "b.weight"), codebook));
    }

    private static float[] concat(Weights weights) {
        float[] a = weights.get("a.weight");
        float[] b = weights.get("b.weight");
        float[] all = new float[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static float[] concatTargets(Map<String, float[]> targets) {
        float[] a = targets.get("a.weight");
        float[] b = targets.get("b.weight");
        float[] all = new float[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void augmentedLagrangianFollowsThePaper() {
        Weights reference = WeightInitializer.initialize(MODEL, 1);
        QuadraticBackend backend = new QuadraticBackend(WeightInitializer.initialize(MODEL, 2));
        RecordingSolvers solvers = new RecordingSolvers();
        LcResult result = runShared(CompressionMethod.AUGMENTED_LAGRANGIAN, backend, solvers, reference);

        // DC: the first C step quantizes the reference itself
        assertArrayEquals(concat(reference), solvers.inputs.get(0), "the first C step must see the reference");
        assertEquals(ITERATIONS + 1, solvers.inputs.size());
        assertEquals(ITERATIONS, backend.targets.size());

        float[] lambda = new float[concat(reference).length];
        for (int k = 0; k < ITERATIONS; k++) {
            double mu = backend.mus.get(k);
            assertEquals(0.5 * Math.pow(1.5, k), mu, 1e-12, "μ schedule");
            float[] previousQuantized = solvers.outputs.get(k).reconstruction();
            float[] target = concatTargets(backend.targets.get(k));
            float[] w = concat(backend.snapshots.get(k));
            float[] x = solvers.inputs.get(k + 1);
            float[] quantized = solvers.outputs.get(k + 1).reconstruction();
            for (int i = 0; i < lambda.length; i++) {
                assertEquals(
                        previousQuantized[i] + lambda[i] / mu,
                        target[i],
                        1e-5,
                        "L-step target must be Δ(Θ) + λ/μ at iteration " + k);
                assertEquals(w[i] - lambda[i] / mu, x[i], 1e-5, "C-step input must be w − λ/μ at iteration " + k);
                lambda[i] = (float) (lambda[i] - mu * (w[i] - quantized[i]));
            }
        }
        assertTrue(result.last().multiplierNorm() > 0, "λ must move in augmented-Lagrangian mode");
        double norm = 0;
        for (float value : lambda) {
            norm += value * (double) value;
        }
        assertEquals(
                Math.sqrt(norm),
                result.last().multiplierNorm(),
                1e-4 * Math.sqrt(norm),
                "λ ← λ − μ(w − Δ(Θ)) must give the reported ‖λ‖");
    }

    /** LC on the quadratic backend with μ growing ×3 for up to {@code steps} values, at {@code tolerance}. */
    private static LcResult untilConverged(CompressionMethod method, int steps, double tolerance) {
        return runOnQuadratic(LcOptions.builder()
                .setTasks(sharedTask(Codebook.adaptive(2)))
                .optMethod(method)
                .optMuSchedule(MuSchedule.exponential(0.5, 3, steps))
                .optConvergenceTolerance(tolerance)
                .optOptimizer(OptimizerSpec.builder()
                        .optLearningRate(0.1)
                        .optMomentum(0.9)
                        .optBatchSize(20)
                        .optEpochsPerStep(2)
                        .build())
                .build());
    }

    /** LC from reference weights of seed 1 on the quadratic backend whose optimum has seed 2. */
    private static LcResult runOnQuadratic(LcOptions options) {
        Weights reference = WeightInitializer.initialize(MODEL, 1);
        QuadraticBackend backend = new QuadraticBackend(WeightInitializer.initialize(MODEL, 2));
        return new LcAlgorithm(CStepSolverFactory.DEFAULT)
                .run(LcAlgorithm.Request.of(backend, MODEL, reference, data(), options, LcListener.NONE));
    }

    private static LcResult choosing(BitBudget budget, CompressionMethod method) {
        return runOnQuadratic(LcOptions.builder()
                .setTasks(CompressionTask.perLayer(MODEL, Codebook.adaptiveChoice(1, 2, 4, 8)))
                .optBitBudget(budget)
                .optMethod(method)
                .optMuSchedule(MuSchedule.exponential(0.5, 1.5, ITERATIONS))
                .build());
    }

    @Test
    void layersThatChooseTheirCodebookStayWithinTheBudgetAtEveryCStep() {
        // a.weight holds 24 weights, b.weight 18: 42 in all, the biases (9) stay in float32
        for (double bitsPerWeight : new double[] {1.6, 3, 5, 9, 16}) {
            for (CompressionMethod method :
                    List.of(CompressionMethod.AUGMENTED_LAGRANGIAN, CompressionMethod.DIRECT_COMPRESSION)) {
                LcResult result = choosing(BitBudget.bitsPerWeight(bitsPerWeight), method);
                long allowed = (long) Math.floor(bitsPerWeight * 42);
                for (IterationRecord record : result.history()) {
                    assertEquals(Set.of("a", "b"), record.choices().keySet());
                    List<CompressionTask> chosen = List.of(
                            new CompressionTask(
                                    "a",
                                    List.of("a.weight"),
                                    parse(record.choices().get("a"))),
                            new CompressionTask(
                                    "b",
                                    List.of("b.weight"),
                                    parse(record.choices().get("b"))));
                    long bits = CompressionRatio.compressedBits(MODEL, chosen) - 32L * 9;
                    assertTrue(bits <= allowed, bits + " bits for " + record.choices() + " over " + allowed);
                    assertEquals(CompressionRatio.of(MODEL, chosen), record.compressionRatio(), 1e-12);
                }
                IterationRecord last = result.last();
                for (QuantizedGroup group : result.groups()) {
                    assertEquals(
                            last.choices().get(group.task()), group.codebook().describe());
                    assertTrue(group.values().length <= group.codebook().size());
                    Set<Float> distinct = new HashSet<>();
                    for (float value : result.quantized().get(group.task() + ".weight")) {
                        distinct.add(value);
                    }
                    assertTrue(distinct.size() <= group.codebook().size(), distinct + " for " + group.codebook());
                }
                assertEquals(last.compressionRatio(), result.compressionRatio(), 1e-12);
            }
        }
        // codebooks dominate such small layers: K = 8 costs 3 bits per weight plus 256 bits of values,
        // so only a generous budget affords it, and 1.6 bits per weight only K = 1
        LcResult generous = choosing(BitBudget.bitsPerWeight(16), CompressionMethod.DIRECT_COMPRESSION);
        assertEquals(
                Map.of("a", "adaptive:8", "b", "adaptive:8"), generous.last().choices());
        LcResult tight = choosing(BitBudget.bitsPerWeight(1.6), CompressionMethod.DIRECT_COMPRESSION);
        assertEquals(Map.of("a", "adaptive:1", "b", "adaptive:1"), tight.last().choices());
    }

    private static Codebook parse(String description) {
        return CodebookSpecs.parse(description, null);
    }

    @Test
    void aBudgetNoCandidatesFitIsRefusedBeforeTraining() {
        InvalidInputException error = assertThrows(
                InvalidInputException.class,
                () -> choosing(BitBudget.bitsPerWeight(1), CompressionMethod.AUGMENTED_LAGRANGIAN));
        // K = 1 everywhere stores one float per layer: 64 bits for 42 weights
        assertTrue(error.getMessage().contains("64"), error.getMessage());
        assertTrue(error.getMessage().contains("1 bit per weight"), error.getMessage());
    }

    @Test
    void lcStopsAtTheFirstConvergedIterationAndSaysSo() {
        LcResult result = untilConverged(CompressionMethod.AUGMENTED_LAGRANGIAN, 40, 1e-3);
        assertEquals(LcResult.StopReason.CONVERGED, result.stop());
        IterationRecord last = result.last();
        assertTrue(last.converged(1e-3), "the last iteration must meet the test: " + last);
        assertTrue(last.constraintViolation() <= 1e-3 * last.weightNorm());
        assertEquals(0, last.assignmentChanges());
        assertTrue(
                result.history().size() - 1 < 40,
                "converged before the cap: " + (result.history().size() - 1));
        for (IterationRecord record :
                result.history().subList(0, result.history().size() - 1)) {
            assertTrue(!record.converged(1e-3), "iteration " + record.iteration() + " had converged already");
        }
        assertEquals(-1, result.history().get(0).assignmentChanges(), "DC has no previous assignments");
        assertTrue(result.history().get(1).assignmentChanges() >= 0);
    }

    @Test
    void withoutTheTestOrWithTooFewIterationsTheRunSaysWhyItStopped() {
        LcResult fixed = untilConverged(CompressionMethod.AUGMENTED_LAGRANGIAN, 12, 0);
        assertEquals(LcResult.StopReason.SCHEDULE_END, fixed.stop());
        assertEquals(13, fixed.history().size(), "tolerance 0 runs the whole schedule");
        LcResult capped = untilConverged(CompressionMethod.AUGMENTED_LAGRANGIAN, 2, 1e-6);
        assertEquals(LcResult.StopReason.ITERATION_CAP, capped.stop());
        assertEquals(3, capped.history().size());
        LcResult baseline = untilConverged(CompressionMethod.ITERATED_DIRECT_COMPRESSION, 3, 1e-3);
        assertEquals(LcResult.StopReason.SCHEDULE_END, baseline.stop(), "baselines run their schedule");
        assertEquals(4, baseline.history().size());
    }

    @Test
    void quadraticPenaltyKeepsLambdaZero() {
        Weights reference = WeightInitializer.initialize(MODEL, 3);
        QuadraticBackend backend = new QuadraticBackend(WeightInitializer.initialize(MODEL, 4));
        RecordingSolvers solvers = new RecordingSolvers();
        LcResult result = new LcAlgorithm(solvers)
                .run(LcAlgorithm.Request.of(
                        backend,
                        MODEL,
                        reference,
                        data(),
                        options(CompressionMethod.QUADRATIC_PENALTY, sharedTask(Codebook.scaledTernary())),
                        LcListener.NONE));
        for (int k = 0; k < ITERATIONS; k++) {
            assertArrayEquals(
                    solvers.outputs.get(k).reconstruction(),
                    concatTargets(backend.targets.get(k)),
                    "with λ = 0 the target is Δ(Θ) itself");
            assertArrayEquals(
                    concat(backend.snapshots.get(k)), solvers.inputs.get(k + 1), "with λ = 0 the C step sees w itself");
        }
        result.history().forEach(record -> assertEquals(0, record.multiplierNorm(), "λ must stay 0"));
    }

    @Test
    void resultIsTheQuantizedNetNotTheContinuousOne() {
        Weights reference = WeightInitializer.initialize(MODEL, 5);
        Weights optimum = WeightInitializer.initialize(MODEL, 6);
        QuadraticBackend backend = new QuadraticBackend(optimum);
        LcResult result = new LcAlgorithm(CStepSolverFactory.DEFAULT)
                .run(LcAlgorithm.Request.of(
                        backend,
                        MODEL,
                        reference,
                        data(),
                        options(
                                CompressionMethod.AUGMENTED_LAGRANGIAN,
                                CompressionTask.perLayer(MODEL, Codebook.adaptive(2))),
                        LcListener.NONE));
        Weights continuous = backend.snapshots.get(backend.snapshots.size() - 1);
        for (QuantizedGroup group : result.groups()) {
            Set<Float> codebook = new HashSet<>();
            for (float value : group.values()) {
                codebook.add(value);
            }
            assertEquals(2, codebook.size());
            for (String parameter : group.assignments().keySet()) {
                float[] quantized = result.quantized().get(parameter);
                int[] assignments = group.assignmentsOf(parameter);
                for (int i = 0; i < quantized.length; i++) {
                    assertTrue(codebook.contains(quantized[i]), parameter + "[" + i + "] is off its codebook");
                    assertEquals(group.values()[assignments[i]], quantized[i]);
                }
            }
        }
        assertArrayEquals(
                continuous.get("a.bias"),
                result.quantized().get("a.bias"),
                "uncompressed parameters come from the last L step");
        assertEquals(ITERATIONS + 1, result.history().size());
        assertEquals(0, result.history().get(0).iteration());
    }

    @Test
    void listenerHearsDirectCompressionThenEveryIteration() {
        LcListener listener = mock(LcListener.class);
        Weights reference = WeightInitializer.initialize(MODEL, 7);
        new LcAlgorithm(CStepSolverFactory.DEFAULT)
                .run(LcAlgorithm.Request.of(
                        new QuadraticBackend(reference),
                        MODEL,
                        reference,
                        data(),
                        options(CompressionMethod.AUGMENTED_LAGRANGIAN, sharedTask(Codebook.binary())),
                        listener));
        InOrder order = inOrder(listener);
        order.verify(listener).onIterationEnd(argThat(record -> record.iteration() == 0), anyInt());
        for (int k = 1; k <= ITERATIONS; k++) {
            int iteration = k;
            order.verify(listener).onIterationEnd(argThat(record -> record.iteration() == iteration), anyInt());
        }
        verify(listener, times(ITERATIONS + 1)).onIterationEnd(any(), anyInt());
    }

    @Test
    void nonFiniteCStepInputIsRejectedNamingTheParameter() {
        CompressionTask task = sharedTask(Codebook.adaptive(2)).get(0);
        float[] x = new float[4 * 6 + 6 * 3];
        x[4 * 6 + 5] = Float.NaN;
        InvalidInputException error = assertThrows(
                InvalidInputException.class, () -> RunChecks.checkFiniteInput(task, new int[] {0, 24, 42}, x));
        assertTrue(
                error.getMessage().contains("parameter b.weight")
                        && error.getMessage().contains("index 5"),
                error.getMessage());
        x[4 * 6 + 5] = 0;
        RunChecks.checkFiniteInput(task, new int[] {0, 24, 42}, x);
    }

    @Test
    void unknownParameterInATaskIsRejected() {
        Weights reference = WeightInitializer.initialize(MODEL, 8);
        List<CompressionTask> tasks = List.of(new CompressionTask("x", List.of("nope.weight"), Codebook.binary()));
        InvalidInputException error = assertThrows(
                InvalidInputException.class,
                () -> new LcAlgorithm(CStepSolverFactory.DEFAULT)
                        .run(LcAlgorithm.Request.of(
                                new QuadraticBackend(reference),
                                MODEL,
                                reference,
                                data(),
                                options(CompressionMethod.AUGMENTED_LAGRANGIAN, tasks),
                                LcListener.NONE)));
        assertTrue(error.getMessage().contains("nope.weight"), error.getMessage());
    }

    /** Runs {@code method} with one adaptive 3-value codebook shared by both weight matrices. */
    private static LcResult runShared(
            CompressionMethod method, QuadraticBackend backend, RecordingSolvers solvers, Weights reference) {
        return new LcAlgorithm(solvers)
                .run(LcAlgorithm.Request.of(
                        backend,
                        MODEL,
                        reference,
                        data(),
                        options(method, sharedTask(Codebook.adaptive(3))),
                        LcListener.NONE));
    }

    private static Map<String, float[]> split(float[] all) {
        int a = MODEL.parameter("a.weight").size();
        return Map.of(
                "a.weight", java.util.Arrays.copyOfRange(all, 0, a),
                "b.weight", java.util.Arrays.copyOfRange(all, a, all.length));
    }

    @Test
    void iteratedDirectCompressionTrainsFromTheQuantizedWeightsWithoutPenalty() {
        Weights reference = WeightInitializer.initialize(MODEL, 7);
        QuadraticBackend backend = new QuadraticBackend(WeightInitializer.initialize(MODEL, 8));
        RecordingSolvers solvers = new RecordingSolvers();
        LcResult result = runShared(CompressionMethod.ITERATED_DIRECT_COMPRESSION, backend, solvers, reference);
        assertTrue(backend.mus.isEmpty(), "iDC sets no penalty");
        List<Weights> loads = backend.loadsByTrainer.get(0);
        assertEquals(ITERATIONS + 1, loads.size(), "the reference, then one restart per iteration");
        assertArrayEquals(concat(reference), concat(loads.get(0)));
        for (int k = 0; k < ITERATIONS; k++) {
            assertArrayEquals(
                    solvers.outputs.get(k).reconstruction(),
                    concat(loads.get(k + 1)),
                    "iteration " + (k + 1) + " restarts from the quantized weights");
            assertArrayEquals(concat(backend.snapshots.get(k)), solvers.inputs.get(k + 1), "iDC quantizes w itself");
            Weights before = k == 0 ? reference : backend.snapshots.get(k - 1);
            assertArrayEquals(
                    before.get("a.bias"),
                    loads.get(k + 1).get("a.bias"),
                    "uncompressed parameters carry over from the trained weights");
        }
        assertEquals(ITERATIONS * 2, backend.steps, "one epoch of two minibatches per iteration");
        assertEquals(ITERATIONS + 1, result.history().size());
        assertArrayEquals(solvers.outputs.get(ITERATIONS).reconstruction(), concat(result.quantized()));
    }

    @Test
    void straightThroughTakesEveryStepAtTheLatestQuantizationAndRefreshesIt() {
        Weights reference = WeightInitializer.initialize(MODEL, 9);
        QuadraticBackend backend = new QuadraticBackend(WeightInitializer.initialize(MODEL, 10));
        RecordingSolvers solvers = new RecordingSolvers();
        LcResult result = runShared(CompressionMethod.STRAIGHT_THROUGH, backend, solvers, reference);
        int steps = backend.straightThroughPoints.size();
        assertEquals(ITERATIONS * 2, steps, "as many minibatches as LC's L steps");
        assertEquals(steps + 1, solvers.outputs.size(), "DC, then one warm-started C step after every step");
        for (int i = 0; i < steps; i++) {
            Map<String, float[]> expected = split(solvers.outputs.get(i).reconstruction());
            for (String name : expected.keySet()) {
                assertArrayEquals(
                        expected.get(name),
                        backend.straightThroughPoints.get(i).get(name),
                        "step " + i + " is taken at the quantization refreshed after the previous step");
            }
        }
        assertTrue(backend.mus.isEmpty(), "STE sets no penalty");
        assertEquals(ITERATIONS + 1, result.history().size());
        assertArrayEquals(solvers.outputs.get(steps).reconstruction(), concat(result.quantized()));
        assertTrue(
                result.last().train().meanLoss()
                        < result.history().get(0).train().meanLoss(),
                "STE lowers the loss of the quantized net on this convex problem");
    }

    @Test
    void directCompressionQuantizesTheReferenceOnceAndTrainsNothing() {
        Weights reference = WeightInitializer.initialize(MODEL, 11);
        QuadraticBackend backend = new QuadraticBackend(WeightInitializer.initialize(MODEL, 12));
        RecordingSolvers solvers = new RecordingSolvers();
        LcResult result = runShared(CompressionMethod.DIRECT_COMPRESSION, backend, solvers, reference);
        assertEquals(0, backend.steps);
        assertEquals(1, result.history().size(), "DC only");
        assertEquals(1, solvers.inputs.size());
        assertArrayEquals(concat(reference), solvers.inputs.get(0));
        assertArrayEquals(solvers.outputs.get(0).reconstruction(), concat(result.quantized()));
    }

    @Test
    void perChannelCodebooksQuantizeEveryOutputChannelOnItsOwn() {
        Weights reference = WeightInitializer.initialize(MODEL, 13);
        QuadraticBackend backend = new QuadraticBackend(WeightInitializer.initialize(MODEL, 14));
        Codebook codebook = Codebook.adaptive(2, Codebook.Adaptive.Method.EXACT);
        LcResult result = new LcAlgorithm(CStepSolverFactory.DEFAULT)
                .run(LcAlgorithm.Request.of(
                        backend,
                        MODEL,
                        reference,
                        data(),
                        options(CompressionMethod.DIRECT_COMPRESSION, CompressionTask.perChannel(MODEL, codebook)),
                        LcListener.NONE));
        assertEquals(6 + 3, result.groups().size(), "one group per output channel of a.weight and b.weight");
        for (String name : List.of("a.weight", "b.weight")) {
            var parameter = MODEL.parameter(name);
            float[] quantized = result.quantized().get(name);
            java.util.Set<Float> all = new java.util.HashSet<>();
            for (int channel = 0; channel < parameter.outputChannels(); channel++) {
                int[] positions = parameter.channelPositions(channel);
                float[] column = new float[positions.length];
                reference.copyPositions(name, positions, column, 0);
                float[] expected = CStepSolvers.forCodebook(codebook, 0, CStepKernels.DEFAULT)
                        .solve(column, null)
                        .reconstruction();
                for (int i = 0; i < positions.length; i++) {
                    assertEquals(
                            expected[i],
                            quantized[positions[i]],
                            name + " channel " + channel + ": the exact C step of that channel alone");
                    all.add(quantized[positions[i]]);
                }
            }
            assertTrue(all.size() > 2, name + " takes more than K values overall, K per channel: " + all);
        }
        assertArrayEquals(reference.get("a.bias"), result.quantized().get("a.bias"), "biases stay float");
    }
}
