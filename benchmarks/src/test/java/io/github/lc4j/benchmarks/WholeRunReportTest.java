package io.github.lc4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the whole-LC-run section summarizes its rounds and replaces itself in the page. */
class WholeRunReportTest {

    /** A run of {@code totalMillis} whose 1,000 L-step minibatches took {@code lStepMillis}, 100 of them in 200 ms first. */
    private static WholeRunReport.Measured run(long totalMillis, long lStepMillis) {
        ObjectNode time = new ObjectMapper().createObjectNode().put("totalMillis", totalMillis);
        return new WholeRunReport.Measured(time, 1000, lStepMillis, 200, 100);
    }

    @Test
    void aRowDividesEachRoundsRunByItsOwnBenchmarkAndShowsTheMedianRunsTimes() {
        WholeRunReport.Row row = WholeRunReport.Row.of(List.of(
                new WholeRunReport.Round(run(30_000, 2_000), 400), // 500 steps/s, ratio 1.25
                new WholeRunReport.Round(run(10_000, 1_000), 1_000), // 1,000 steps/s, ratio 1.0
                new WholeRunReport.Round(run(20_000, 4_000), 1_000))); // 250 steps/s, ratio 0.25
        assertEquals(20_000, row.medianRun().time().get("totalMillis").asLong(), "the round of median run time");
        assertEquals(500, row.runRate(), 1e-9);
        assertEquals(1_000, row.benchmark(), 1e-9);
        // the median of the per-round ratios, not the ratio of the medians (0.5)
        assertEquals(1.0, row.ratio(), 1e-12);
        assertEquals(0.25, row.ratios()[0], 1e-12);
        assertEquals(1.25, row.ratios()[2], 1e-12);
        // after the first L step: 900 minibatches in 1,800, 800 and 3,800 ms
        assertEquals(900 / 1.8 / 400, row.ratiosAfterFirst()[2], 1e-12);
        assertEquals(900 / 0.8 / 1_000, row.ratioAfterFirst(), 1e-12);
    }

    @Test
    void theMedianOfAnEvenCountIsTheLowerMiddleValue() {
        assertEquals(2, TrainingThroughputBenchmark.median(new double[] {4, 1, 3, 2}), 0);
        assertThrows(IllegalArgumentException.class, () -> WholeRunReport.Row.of(List.of()));
    }

    @Test
    void theSectionIsReplacedUpToTheNextHeadingAndTheRestOfThePageKept() {
        String page = "# Performance\n\nintro\n\n## Training\n\nsteps\n\n" + WholeRunReport.HEADING
                + "\n\nold table\n\n## How a step's cost grows\n\ncurves\n";
        String replaced = WholeRunReport.replaceSection(page, WholeRunReport.HEADING + "\n\nnew table\n\n");
        assertEquals(
                "# Performance\n\nintro\n\n## Training\n\nsteps\n\n" + WholeRunReport.HEADING
                        + "\n\nnew table\n\n## How a step's cost grows\n\ncurves\n",
                replaced);
        IllegalArgumentException missing = assertThrows(
                IllegalArgumentException.class, () -> WholeRunReport.replaceSection("# Performance\n", "x"));
        assertTrue(missing.getMessage().contains(WholeRunReport.HEADING), missing.getMessage());
    }
}
