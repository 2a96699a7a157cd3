package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.BitBudget;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.cstep.CStepSolvers;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A stopped run resumed from its checkpoint ends exactly where the uninterrupted run ends. */
class LcCheckpointTest {
    private static final ModelSpec MODEL =
            ModelSpec.of("tiny", new int[] {4}, List.of(Layer.dense("a", 6), Layer.tanh(), Layer.dense("b", 3)));
    private static final List<CompressionTask> TASKS =
            List.of(new CompressionTask("all", List.of("a.weight", "b.weight"), Codebook.adaptive(3)));

    @TempDir
    Path folder;

    private static TrainTestSplit data() {
        SplittableRandom random = new SplittableRandom(5);
        float[] inputs = new float[60 * 4];
        int[] labels = new int[60];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 3;
        }
        Dataset set = new Dataset("random", new int[] {4}, inputs, labels);
        return new TrainTestSplit(set, set, "random");
    }

    /** Per-layer tasks that choose K in {1, 2, 4} within 40 bits per layer-ish: the choice moves as w does. */
    private static final List<CompressionTask> CHOOSING =
            CompressionTask.perLayer(MODEL, Codebook.adaptiveChoice(1, 2, 4));

    private static LcOptions options(CompressionMethod method, long seed) {
        return options(method, seed, false);
    }

    private static LcOptions options(CompressionMethod method, long seed, boolean choosing) {
        LcOptions.Builder builder = LcOptions.builder();
        if (choosing) {
            builder.optBitBudget(BitBudget.bitsPerWeight(5));
        }
        return builder.setTasks(choosing ? CHOOSING : TASKS)
                .optMethod(method)
                .optSeed(seed)
                .optMuSchedule(MuSchedule.exponential(0.5, 1.5, 4))
                .optOptimizer(OptimizerSpec.builder()
                        .optLearningRate(0.1)
                        .optBatchSize(20)
                        .optEpochsPerStep(2)
                        .build())
                .build();
    }

    static Stream<Arguments> stops() {
        List<Arguments> cases = new ArrayList<>();
        for (CompressionMethod method : List.of(
                CompressionMethod.AUGMENTED_LAGRANGIAN,
                CompressionMethod.QUADRATIC_PENALTY,
                CompressionMethod.ITERATED_DIRECT_COMPRESSION,
                CompressionMethod.STRAIGHT_THROUGH)) {
            // 3 batches per epoch, 2 epochs per iteration: stop inside an epoch, at an epoch's end, in a later
            // iteration
            for (int steps : new int[] {1, 4, 6, 11}) {
                cases.add(Arguments.of(method, steps, Duration.ZERO));
                cases.add(Arguments.of(method, steps, Duration.ofHours(1)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, stopped after {1} steps, checkpoint every {2}")
    @MethodSource("stops")
    void aResumedRunEndsBitForBitWhereTheUninterruptedRunEnds(CompressionMethod method, int steps, Duration interval) {
        assertResumedEqualsUninterrupted(method, steps, interval, false);
    }

    @ParameterizedTest(name = "{0}, stopped after {1} steps")
    @MethodSource("stops")
    void aResumedRunWhoseLayersChooseTheirKEndsOnTheSameChoices(
            CompressionMethod method, int steps, Duration interval) {
        LcResult resumed = assertResumedEqualsUninterrupted(method, steps, interval, true);
        assertEquals(Set.of("a", "b"), resumed.last().choices().keySet(), "every layer chose: " + resumed.last());
    }

    private LcResult assertResumedEqualsUninterrupted(
            CompressionMethod method, int steps, Duration interval, boolean choosing) {
        Weights reference = WeightInitializer.initialize(MODEL, 1);
        LcAlgorithm algorithm = new LcAlgorithm(CStepSolvers::forCodebook);
        LcResult uninterrupted = algorithm.run(LcAlgorithm.Request.of(
                new QuadraticBackend(WeightInitializer.initialize(MODEL, 2)),
                MODEL,
                reference,
                data(),
                options(method, 1, choosing),
                LcListener.NONE));

        QuadraticBackend stopped = new QuadraticBackend(WeightInitializer.initialize(MODEL, 2));
        assertThrows(
                CancellationException.class,
                () -> algorithm.run(LcAlgorithm.Request.of(
                                stopped, MODEL, reference, data(), options(method, 1, choosing), LcListener.NONE)
                        .stoppingWhen(() -> stopped.steps >= steps)
                        .checkpointing(new LcAlgorithm.Checkpointing(folder, interval, false))));
        List<String> notices = new ArrayList<>();
        LcResult resumed = algorithm.run(LcAlgorithm.Request.of(
                        new QuadraticBackend(WeightInitializer.initialize(MODEL, 2)),
                        MODEL,
                        reference,
                        data(),
                        options(method, 1, choosing),
                        new LcListener() {
                            @Override
                            public void onNotice(String message) {
                                notices.add(message);
                            }
                        })
                .stoppingWhen(() -> false)
                .checkpointing(new LcAlgorithm.Checkpointing(folder, interval, true)));

        assertTrue(notices.get(0).startsWith("resuming from"), notices.toString());
        for (String parameter : List.of("a.weight", "a.bias", "b.weight", "b.bias")) {
            assertArrayEquals(
                    uninterrupted.quantized().get(parameter),
                    resumed.quantized().get(parameter),
                    0f,
                    parameter);
        }
        assertEquals(uninterrupted.history().size(), resumed.history().size());
        for (int i = 0; i < uninterrupted.history().size(); i++) {
            assertEquals(
                    uninterrupted.history().get(i).lStepLoss(),
                    resumed.history().get(i).lStepLoss(),
                    0,
                    "L-step loss of iteration " + i);
            assertEquals(
                    uninterrupted.history().get(i).test(),
                    resumed.history().get(i).test());
            assertEquals(
                    uninterrupted.history().get(i).choices(),
                    resumed.history().get(i).choices(),
                    "choices of iteration " + i);
        }
        assertEquals(
                uninterrupted.groups().stream()
                        .map(g -> g.codebook().describe())
                        .toList(),
                resumed.groups().stream().map(g -> g.codebook().describe()).toList());
        return resumed;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void aCheckpointOfOtherSettingsIsRefusedNamingEachDifference(CompressionMethod method) {
        Weights reference = WeightInitializer.initialize(MODEL, 1);
        LcAlgorithm algorithm = new LcAlgorithm(CStepSolvers::forCodebook);
        algorithm.run(LcAlgorithm.Request.of(
                        new QuadraticBackend(reference), MODEL, reference, data(), options(method, 1), LcListener.NONE)
                .stoppingWhen(() -> false)
                .checkpointing(new LcAlgorithm.Checkpointing(folder, Duration.ofHours(1), false)));
        InvalidInputException error = assertThrows(
                InvalidInputException.class,
                () -> algorithm.run(LcAlgorithm.Request.of(
                                new QuadraticBackend(reference),
                                MODEL,
                                WeightInitializer.initialize(MODEL, 9),
                                data(),
                                options(method, 2),
                                LcListener.NONE)
                        .stoppingWhen(() -> false)
                        .checkpointing(new LcAlgorithm.Checkpointing(folder, Duration.ofHours(1), true))));
        assertTrue(error.getMessage().contains("seed: checkpoint 1, this run 2"), error.getMessage());
        assertTrue(error.getMessage().contains("referenceSha256"), error.getMessage());
    }

    static Stream<CompressionMethod> methods() {
        return Stream.of(CompressionMethod.AUGMENTED_LAGRANGIAN, CompressionMethod.STRAIGHT_THROUGH);
    }

    @org.junit.jupiter.api.Test
    void aRunResumedFromItsConvergedIterationStopsThereAndStopsForTheSameReason() {
        Weights reference = WeightInitializer.initialize(MODEL, 1);
        LcAlgorithm algorithm = new LcAlgorithm(CStepSolvers::forCodebook);
        LcOptions converging = LcOptions.builder()
                .setTasks(TASKS)
                .optMuSchedule(MuSchedule.exponential(0.5, 3, 40))
                .optConvergenceTolerance(1e-3)
                .optOptimizer(OptimizerSpec.builder()
                        .optLearningRate(0.1)
                        .optBatchSize(20)
                        .optEpochsPerStep(2)
                        .build())
                .build();
        LcResult finished = algorithm.run(LcAlgorithm.Request.of(
                        new QuadraticBackend(WeightInitializer.initialize(MODEL, 2)),
                        MODEL,
                        reference,
                        data(),
                        converging,
                        LcListener.NONE)
                .stoppingWhen(() -> false)
                .checkpointing(new LcAlgorithm.Checkpointing(folder, Duration.ofHours(1), false)));
        assertEquals(LcResult.StopReason.CONVERGED, finished.stop());
        assertTrue(finished.history().size() < 41, "converged before the cap");
        QuadraticBackend again = new QuadraticBackend(WeightInitializer.initialize(MODEL, 2));
        LcResult resumed =
                algorithm.run(LcAlgorithm.Request.of(again, MODEL, reference, data(), converging, LcListener.NONE)
                        .stoppingWhen(() -> false)
                        .checkpointing(new LcAlgorithm.Checkpointing(folder, Duration.ofHours(1), true)));
        assertEquals(0, again.steps, "a converged run trains no more");
        assertEquals(LcResult.StopReason.CONVERGED, resumed.stop());
        assertEquals(finished.history().size(), resumed.history().size());
        assertEquals(finished.last().assignmentChanges(), resumed.last().assignmentChanges());
        assertArrayEquals(
                finished.quantized().get("a.weight"), resumed.quantized().get("a.weight"), 0f);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void aFinishedRunResumedReturnsItsResultWithoutTrainingAgain(CompressionMethod method) throws Exception {
        Weights reference = WeightInitializer.initialize(MODEL, 1);
        LcAlgorithm algorithm = new LcAlgorithm(CStepSolvers::forCodebook);
        LcResult finished = algorithm.run(LcAlgorithm.Request.of(
                        new QuadraticBackend(WeightInitializer.initialize(MODEL, 2)),
                        MODEL,
                        reference,
                        data(),
                        options(method, 1),
                        LcListener.NONE)
                .stoppingWhen(() -> false)
                .checkpointing(new LcAlgorithm.Checkpointing(folder, Duration.ofHours(1), false)));
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(2, files.count(), "the two newest checkpoints are kept");
        }
        QuadraticBackend again = new QuadraticBackend(WeightInitializer.initialize(MODEL, 2));
        LcResult resumed = algorithm.run(
                LcAlgorithm.Request.of(again, MODEL, reference, data(), options(method, 1), LcListener.NONE)
                        .stoppingWhen(() -> false)
                        .checkpointing(new LcAlgorithm.Checkpointing(folder, Duration.ofHours(1), true)));
        assertEquals(0, again.steps, "a finished run trains no more");
        assertArrayEquals(
                finished.quantized().get("a.weight"), resumed.quantized().get("a.weight"), 0f);
        assertEquals(finished.history().size(), resumed.history().size());
    }
}
