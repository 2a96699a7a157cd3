package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.RunTimes;
import io.github.lc4j.api.TrainingEvaluation;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.cstep.CStepSolverFactory;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.io.RunReport;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Where a run's time went, and when it evaluates on the training set. */
class RunTimesAndTrainingEvaluationTest {
    private static final ModelSpec MODEL =
            ModelSpec.of("tiny", new int[] {4}, List.of(Layer.dense("a", 6), Layer.tanh(), Layer.dense("b", 3)));

    /** 40 samples whose first input is the sample's index, so an evaluator can tell which it saw. */
    private static TrainTestSplit data() {
        float[] inputs = new float[40 * 4];
        int[] labels = new int[40];
        for (int i = 0; i < 40; i++) {
            inputs[i * 4] = i;
            labels[i] = i % 3;
        }
        Dataset set = new Dataset("indexed", new int[] {4}, inputs, labels);
        return new TrainTestSplit(set, set, "indexed");
    }

    private static LcResult run(CompressionMethod method, TrainingEvaluation evaluation) {
        LcOptions options = LcOptions.builder()
                .setTasks(CompressionTask.perLayer(MODEL, Codebook.adaptive(2)))
                .optMethod(method)
                .optMuSchedule(MuSchedule.exponential(0.5, 2, 4))
                .optConvergenceTolerance(0)
                .optTrainingEvaluation(evaluation)
                .optOptimizer(OptimizerSpec.builder()
                        .optLearningRate(0.1)
                        .optBatchSize(8)
                        .optEpochsPerStep(2)
                        .build())
                .build();
        QuadraticBackend backend = new QuadraticBackend(WeightInitializer.initialize(MODEL, 2));
        return new LcAlgorithm(CStepSolverFactory.DEFAULT)
                .run(LcAlgorithm.Request.of(
                        backend, MODEL, WeightInitializer.initialize(MODEL, 1), data(), options, LcListener.NONE));
    }

    @ParameterizedTest
    @EnumSource(
            value = CompressionMethod.class,
            names = {"AUGMENTED_LAGRANGIAN", "ITERATED_DIRECT_COMPRESSION", "STRAIGHT_THROUGH"})
    void theRunsTimesAddUpFromItsRecords(CompressionMethod method) {
        LcResult result = run(method, TrainingEvaluation.everyIteration());
        RunTimes times = result.times();
        long compute = 0;
        long data = 0;
        long cSteps = 0;
        long evaluations = 0;
        for (IterationRecord record : result.history()) {
            assertTrue(record.dataMillis() <= record.lStepMillis(), "data is part of the L step: " + record);
            compute += Math.max(0, record.lStepMillis() - record.dataMillis());
            data += record.dataMillis();
            cSteps += record.cStepMillis();
            evaluations += record.evaluationMillis();
        }
        assertEquals(compute, times.computeMillis());
        assertEquals(data, times.dataMillis());
        assertEquals(cSteps, times.cStepMillis());
        assertEquals(evaluations, times.evaluationMillis());
        assertEquals(0, times.checkpointMillis(), "no checkpoints were asked for");
        assertTrue(
                times.totalMillis() + 5
                        >= times.computeMillis() + times.dataMillis() + times.cStepMillis() + times.evaluationMillis(),
                "the parts fit in the total: " + times);
        @SuppressWarnings("unchecked")
        Map<String, Object> reported =
                (Map<String, Object>) RunReport.toMap(Map.of(), result).get("time");
        assertEquals(times.computeMillis(), reported.get("lStepComputeMillis"));
        assertEquals(times.totalMillis(), reported.get("totalMillis"));
    }

    @Test
    void evaluatingAtTheEndTrainsTheSameAndRecordsTheTrainingSetOnceForTheReturnedNet() {
        LcResult every = run(CompressionMethod.AUGMENTED_LAGRANGIAN, TrainingEvaluation.everyIteration());
        LcResult atEnd = run(CompressionMethod.AUGMENTED_LAGRANGIAN, TrainingEvaluation.atEnd());
        assertEquals(every.history().size(), atEnd.history().size());
        for (String name : every.quantized().toMap().keySet()) {
            assertArrayEquals(every.quantized().get(name), atEnd.quantized().get(name), name);
        }
        assertEquals(every.last().train(), atEnd.last().train(), "the returned net, on every training sample");
        assertEquals(40, atEnd.last().train().count());
        for (IterationRecord record : atEnd.history().subList(0, atEnd.history().size() - 1)) {
            assertEquals(
                    0, record.train().count(), "iteration " + record.iteration() + " evaluated no training sample");
            assertEquals(40, record.test().count(), "the test set is evaluated every iteration");
        }
        LcResult never = run(CompressionMethod.AUGMENTED_LAGRANGIAN, TrainingEvaluation.never());
        assertEquals(0, never.last().train().count());
    }

    @Test
    void aSampleIsTheSameSeededSamplesEveryIteration() {
        LcResult sampled = run(CompressionMethod.AUGMENTED_LAGRANGIAN, TrainingEvaluation.sample(7));
        sampled.history().forEach(record -> assertEquals(7, record.train().count(), "iteration " + record.iteration()));
        LcResult larger = run(CompressionMethod.AUGMENTED_LAGRANGIAN, TrainingEvaluation.sample(1000));
        larger.history().forEach(record -> assertEquals(40, record.train().count(), "a sample larger than the set"));
    }

    @Test
    void aLocalLearnersSampleIsDistinctSeededAndStable() {
        TrainingSet training = TrainingSet.of(data().train());
        QuadraticBackend backend = new QuadraticBackend(WeightInitializer.initialize(MODEL, 2));
        Weights weights = WeightInitializer.initialize(MODEL, 1);
        try (Learner learner =
                training.learner(backend, MODEL, OptimizerSpec.builder().build(), 1)) {
            RecordingEvaluator first = new RecordingEvaluator(MODEL);
            learner.evaluateSample(weights, first, 10, 3);
            RecordingEvaluator again = new RecordingEvaluator(MODEL);
            learner.evaluateSample(weights, again, 10, 3);
            RecordingEvaluator otherSeed = new RecordingEvaluator(MODEL);
            learner.evaluateSample(weights, otherSeed, 10, 4);
            assertEquals(10, new HashSet<>(first.firstInputs).size(), "10 distinct samples: " + first.firstInputs);
            assertEquals(first.firstInputs, again.firstInputs, "the same samples on every call");
            assertTrue(
                    !Set.copyOf(first.firstInputs).equals(Set.copyOf(otherSeed.firstInputs)),
                    "another seed, another sample");
            first.firstInputs.forEach(index -> assertTrue(index >= 0 && index < 40));
        }
    }

    @Test
    void theCommandLineFormsParseAndABadOneNamesTheGrammar() {
        assertEquals(TrainingEvaluation.everyIteration(), TrainingEvaluation.parse("every"));
        assertEquals(TrainingEvaluation.sample(500), TrainingEvaluation.parse("sample:500"));
        assertEquals(TrainingEvaluation.atEnd(), TrainingEvaluation.parse(" END "));
        assertEquals(TrainingEvaluation.never(), TrainingEvaluation.parse("never"));
        for (String bad : List.of("sample:0", "sample:", "sample:x", "often", "")) {
            IllegalArgumentException error =
                    assertThrows(IllegalArgumentException.class, () -> TrainingEvaluation.parse(bad), bad);
            assertTrue(error.getMessage().contains(TrainingEvaluation.GRAMMAR), error.getMessage());
        }
        for (TrainingEvaluation when : List.of(
                TrainingEvaluation.everyIteration(),
                TrainingEvaluation.sample(3),
                TrainingEvaluation.atEnd(),
                TrainingEvaluation.never())) {
            assertEquals(when, TrainingEvaluation.parse(when.describe()));
        }
    }
}
