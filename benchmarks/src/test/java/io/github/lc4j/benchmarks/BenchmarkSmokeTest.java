package io.github.lc4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
                double rate = TrainingThroughputBenchmark.measureOne(model, trainer, 2);
                assertTrue(rate > 0 && Double.isFinite(rate), model + " on " + trainer + ": " + rate + " steps/s");
            }
        }
    }

    @Test
    void theCStepTableRunsOnSmallVectors() {
        assertDoesNotThrow(() -> CStepBenchmark.main(new String[] {"--sizes", "3000", "--repeats", "1"}));
    }
}
