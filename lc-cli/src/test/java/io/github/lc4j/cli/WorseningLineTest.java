package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.IterationRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The result table's note on a quantized net that ended far above its best iteration. */
class WorseningLineTest {
    private static IterationRecord record(int iteration, Double trainLoss, int testErrors) {
        Evaluation train = trainLoss == null ? null : new Evaluation(trainLoss, 10, 100);
        return new IterationRecord(
                iteration,
                0,
                0.05,
                0.1,
                1,
                0,
                10,
                iteration == 0 ? -1 : 5,
                train,
                new Evaluation(0.5, testErrors, 1000),
                Map.of(),
                Map.of(),
                30,
                0,
                0,
                0,
                0);
    }

    @Test
    void namesTheBestIterationWhenTheLastEndsFarAboveIt() {
        // STE at a learning rate too high for it: DC at 0.94, best 0.33 at iteration 2, last 1.10
        List<IterationRecord> history =
                List.of(record(0, 0.94, 319), record(1, 0.45, 170), record(2, 0.33, 147), record(3, 1.10, 245));
        assertEquals(
                "the quantized net got worse: training loss 1.100 at the end, 3.3× its best (0.330, 14.70 % test"
                        + " error, at iteration 2); the learning rate may be too high for STE: try a lower --lr",
                LcJob.worseningLine(history, "STE"));
    }

    @Test
    void saysNothingWhenTheLastIsTheBestOrWithinTheFactor() {
        assertNull(
                LcJob.worseningLine(List.of(record(0, 0.94, 319), record(1, 0.30, 150), record(2, 0.27, 145)), "LC"));
        // 1.4 times the best: an oscillation, not a net that got worse
        assertNull(
                LcJob.worseningLine(List.of(record(0, 0.94, 319), record(1, 0.20, 130), record(2, 0.28, 140)), "STE"));
        // DC's iteration is no best to fall back to: LC never reaches it by leaving it
        assertNull(LcJob.worseningLine(List.of(record(0, 0.10, 100), record(1, 0.30, 150)), "LC"));
    }

    @Test
    void saysNothingWithoutTrainingSetEvaluations() {
        assertNull(
                LcJob.worseningLine(List.of(record(0, null, 319), record(1, null, 150), record(2, null, 145)), "STE"));
        assertNull(
                LcJob.worseningLine(List.of(record(0, 0.94, 319), record(1, 0.2, 150), record(2, null, 145)), "STE"));
    }
}
