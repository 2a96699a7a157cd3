package io.github.lc4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.experiments.LinePlot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmarks in smoke mode (a couple of steps, tiny vectors): every trainer and peer of the
 * throughput table and the C-step table still builds and runs. Not a measurement.
 */
class BenchmarkSmokeTest {
    @BeforeAll
    static void smoke() {
        System.setProperty(StepTimer.SMOKE, "true");
    }

    @AfterAll
    static void done() {
        System.clearProperty(StepTimer.SMOKE);
    }

    @Test
    void everyTrainerOfTheThroughputTableSteps() {
        for (String model : new String[] {"lenet300", "lenet5"}) {
            for (String trainer : TrainingThroughputBenchmark.TRAINERS) {
                double rate = TrainingThroughputBenchmark.measureOne(
                        model, trainer, 2, TrainingThroughputBenchmark.defaultBatch(model));
                assertTrue(rate > 0 && Double.isFinite(rate), model + " on " + trainer + ": " + rate + " steps/s");
            }
        }
    }

    @Test
    void everyTrainerOfTheResNet20RowsSteps() {
        // a small batch: this checks that each builds and steps the graph, not its speed
        for (String trainer : TrainingThroughputBenchmark.trainers("resnet20")) {
            double rate = TrainingThroughputBenchmark.measureOne("resnet20", trainer, 2, 8);
            assertTrue(rate > 0 && Double.isFinite(rate), "resnet20 on " + trainer + ": " + rate + " steps/s");
        }
    }

    @Test
    void everyPairedComparisonAlternatesBothLoops() {
        for (String comparison : TrainingThroughputBenchmark.PAIRED) {
            check(comparison, TrainingThroughputBenchmark.pairedOnce("lenet300", comparison, 2, 32));
        }
        for (String backend : WholeRunReport.PAIRED_BACKENDS) {
            String comparison = backend + "-prefetched-vs-cached";
            check(comparison, TrainingThroughputBenchmark.pairedOnce("lenet300", comparison, 2, 32));
        }
        for (String comparison : TrainingThroughputBenchmark.paired("resnet20")) {
            check(comparison, TrainingThroughputBenchmark.pairedOnce("resnet20", comparison, 2, 8));
        }
    }

    private static void check(String comparison, PairedSteps.Result result) {
        assertEquals(2, result.ratios().length, comparison);
        for (double ratio : result.ratios()) {
            assertTrue(ratio > 0 && Double.isFinite(ratio), comparison + ": " + ratio);
        }
        assertEquals(result.median(), PairedSteps.Result.decode(result.encode()).median(), 1e-6, comparison);
    }

    @Test
    void thePerformancePagesScalingPointsAndLcRunRun(@TempDir Path directory) throws Exception {
        for (String backend : PerformanceReport.BACKENDS) {
            double rate = TrainingThroughputBenchmark.measureOne("lenet300-w1200", backend, 2, 32);
            assertTrue(rate > 0 && Double.isFinite(rate), "784-1200-100-10 on " + backend + ": " + rate + " steps/s");
        }
        Path report = directory.resolve("run.json");
        WholeRunReport.runInThisJvm("lenet300/cpu-java", report, 2);
        WholeRunReport.Measured run = WholeRunReport.read(report);
        assertEquals(63, run.lStepSteps(), "one epoch of the embedded sample's 8,000 images in batches of 128");
        assertTrue(run.stepsPerSecond() > 0 && Double.isFinite(run.stepsPerSecond()), run.toString());
        assertTrue(
                run.time().get("totalMillis").asLong()
                        >= run.time().get("lStepComputeMillis").asLong(),
                run.toString());
        String file = LinePlot.write(
                directory,
                "plot.png",
                "a plot",
                "x",
                "y",
                Map.of("line", new double[][] {{32, 64, 128}, {3, 2, 1}}),
                true);
        byte[] png = Files.readAllBytes(directory.resolve("plots").resolve(file));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "not a PNG");
    }

    @Test
    void theCStepTableRunsOnSmallVectors() {
        assertDoesNotThrow(() -> CStepBenchmark.main(new String[] {"--sizes", "3000", "--repeats", "1"}));
        String shapes = CStepBenchmark.shapesTable(5_000, 1);
        assertTrue(shapes.contains("| Cauchy |"), shapes);
    }
}
