package io.github.lc4j.integration;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.backend.tck.LossParity;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.TrainingRequest;
import io.github.lc4j.core.zoo.ModelZoo;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The zoo's graph nets (BatchNorm, shortcuts, depthwise convolutions, ReLU6) on the three
 * backends: the same SGD steps from the same weights, and the same short LC run.
 */
class ZooGraphParityIT {
    /** The first step's loss: float32 rounding only. */
    static final double FIRST_STEP_TOLERANCE = 1e-4;

    /** The mean loss over the steps, relative (measured: 0.9–2.8 % over 20 to 100 steps). */
    static final double MEAN_LOSS_TOLERANCE = 0.05;

    /**
     * How much further apart two backends' steps may drift than one backend's steps from weights
     * one ulp apart (measured: 1.2× for mobilenetv2-small over 100 steps, 1.3× for resnet20 over 20).
     */
    static final double DRIFT_OVER_ONE_ULP = 3;

    /**
     * Quantized test errors of the short K = 2 LC run, in points. The LeNets' chains meet 0.5; these
     * BatchNorm nets do not: all three backends end near chance (78–84 % error on the 2,000 test
     * images after so short a run), where the per-step drift of {@link #MEAN_LOSS_TOLERANCE} moves
     * the error by points. Measured: 1.15 points apart with the explicit penalty step, 5.6 with the
     * proximal one (cpu-java 84.10 %, nd4j 84.15 %, tensorflow 78.55 %), whose rule the graph
     * conformance suite checks step by step on every backend. Longer runs spread across backends
     * as much as cpu-java's own runs from starts one ulp apart (see the SGD test). This bound catches
     * a backend that does not learn or quantize at all, not parity.
     */
    static final double LC_ERROR_POINTS = 8.0;

    /**
     * resnet20's full checks (100 steps; an LC run) take minutes per backend on a 2-core machine: they
     * run with {@code -Dlc4j.it.slow=true}; without it resnet20 takes 20 steps and skips the LC run.
     */
    static final boolean SLOW = Boolean.getBoolean("lc4j.it.slow");

    @BeforeAll
    static void createBackends() {
        BackendParityIT.createBackends();
    }

    /**
     * The same SGD steps on every backend. The first step's loss agrees to float rounding. After
     * it, these nets' training amplifies any rounding difference: activations cross the kinks of
     * ReLU and ReLU6, and one crossing changes a gradient by far more than the rounding that caused
     * it. On cpu-java alone, starting from the same weights with half of their values one ulp
     * larger, single steps' losses are 10⁻⁴ apart after 4 steps and 1–8 % apart after 20 to 100
     * ({@link LossParity#stepLossesFromOneUlpApart}). Two backends, which sum in different orders,
     * cannot stay closer than that, and what is checked is that they do not drift much further:
     * the mean per-step difference within {@link #DRIFT_OVER_ONE_ULP} times the one-ulp control's,
     * and the mean loss over the steps within {@link #MEAN_LOSS_TOLERANCE}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mobilenetv2-small", "resnet20"})
    void sgdStepsFollowCpuJavaOnEveryBackend(String name) {
        ModelSpec model = ModelZoo.byName(name);
        int steps = name.equals("resnet20") && !SLOW ? 20 : 100;
        Backend cpu = BackendParityIT.BACKENDS.get("cpu-java");
        double control =
                LossParity.meanRelativeDifference(LossParity.stepLossesFromOneUlpApart(cpu, model, steps, 32, 0.01));
        BackendParityIT.BACKENDS.forEach((backendName, backend) -> {
            if (backendName.equals("cpu-java")) {
                return;
            }
            double[][] losses = LossParity.stepLosses(cpu, backend, model, steps, 32, 0.01);
            double first = Math.abs(losses[1][0] - losses[0][0]) / losses[0][0];
            double drift = LossParity.meanRelativeDifference(losses);
            double expectedMean = java.util.Arrays.stream(losses[0]).average().orElseThrow();
            double actualMean = java.util.Arrays.stream(losses[1]).average().orElseThrow();
            double mean = Math.abs(actualMean - expectedMean) / expectedMean;
            System.out.printf(
                    "%s on %s, %d steps: first-step loss %.2e relative, mean per-step difference %.2e (cpu-java from"
                            + " weights one ulp apart: %.2e), mean loss %.4f against cpu-java's %.4f (%.2e relative)%n",
                    name, backendName, steps, first, drift, control, actualMean, expectedMean, mean);
            assertTrue(
                    first <= FIRST_STEP_TOLERANCE, name + " on " + backendName + ": first step's loss off by " + first);
            assertTrue(
                    drift <= DRIFT_OVER_ONE_ULP * control,
                    name + " on " + backendName + ": steps drift " + drift + " apart on average, more than "
                            + DRIFT_OVER_ONE_ULP + " times cpu-java's drift from weights one ulp apart (" + control
                            + ")");
            assertTrue(
                    mean <= MEAN_LOSS_TOLERANCE,
                    name + " on " + backendName + ": mean loss over " + steps + " steps " + actualMean + ", cpu-java "
                            + expectedMean);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"mobilenetv2-small", "resnet20"})
    void aShortLcRunGivesTheSameQuantizedErrorOnEveryBackend(String name) {
        assumeTrue(!name.equals("resnet20") || SLOW, "resnet20's LC run needs -Dlc4j.it.slow=true (minutes)");
        ModelSpec model = ModelZoo.byName(name);
        OptimizerSpec training =
                OptimizerSpec.builder().optLearningRate(0.05).optBatchSize(64).build();
        Weights reference = Lc4j.builder()
                .backend("cpu-java")
                .threads(2)
                .build()
                .train(TrainingRequest.builder()
                        .model(model)
                        .data(BackendParityIT.data)
                        .optimizer(training)
                        .epochs(4)
                        .seed(2)
                        .build());
        OptimizerSpec optimizer = OptimizerSpec.builder()
                .optLearningRate(0.005)
                .optBatchSize(64)
                .optEpochsPerStep(1)
                .build();
        LcOptions options = LcOptions.builder()
                .setTasks(CompressionTask.perLayer(model, Codebook.adaptive(2)))
                .optMuSchedule(MuSchedule.exponential(1e-2, 2, 2))
                .optOptimizer(optimizer)
                .optSeed(3)
                .optEvaluateTrainingSet(false)
                .build();
        Map<String, LcResult> results = BackendParityIT.compressOnEveryBackend(model, reference, options);
        Map<String, Double> errors = new LinkedHashMap<>();
        results.forEach((backendName, result) ->
                errors.put(backendName, result.last().test().errorRate()));
        System.out.println(name + " quantized test errors after a short LC run (K = 2): " + errors);
        double cpu = errors.get("cpu-java");
        errors.forEach((backendName, error) -> assertTrue(
                Math.abs(error - cpu) * 100 <= LC_ERROR_POINTS,
                name + ": quantized test errors " + errors + " differ by more than " + LC_ERROR_POINTS + " points"));
        // the running statistics of Δ(Θ) were re-estimated: they are not the reference's
        String mean = ParameterSpec.nameOf("stem.bn", ParameterSpec.Role.RUNNING_MEAN);
        assertTrue(
                !java.util.Arrays.equals(
                        reference.get(mean), results.get("cpu-java").quantized().get(mean)),
                "the quantized net's BatchNorm statistics were not re-estimated");
    }
}
