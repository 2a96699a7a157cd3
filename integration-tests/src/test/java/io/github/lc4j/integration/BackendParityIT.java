package io.github.lc4j.integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.QuantizedGroup;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.nd4j.Nd4jBackendProvider;
import io.github.lc4j.backend.tensorflow.TensorFlowBackendProvider;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.TrainingRequest;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.cstep.CStepSolution;
import io.github.lc4j.core.cstep.CStepSolvers;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The three backends on one classpath, on the same weights, batches and seeds. */
class BackendParityIT {
    /** Gradient agreement: |a − b| ≤ ATOL + RTOL·|b| per element. */
    static final double RTOL = 1e-3;

    static final double ATOL = 1e-5;
    /** Quantized test errors of one short LC run may differ by at most this many percentage points. */
    static final double ERROR_POINTS = 0.5;

    static final Map<String, Backend> BACKENDS = new LinkedHashMap<>();
    static TrainTestSplit data;

    @BeforeAll
    static void createBackends() {
        BackendConfig config = BackendConfig.withThreads(2);
        BACKENDS.put("cpu-java", new CpuJavaBackendProvider().create(config));
        BACKENDS.put("nd4j", new Nd4jBackendProvider().create(config));
        BACKENDS.put("tensorflow", new TensorFlowBackendProvider().create(config));
        TrainTestSplit full = DataSets.embeddedFashionMnist();
        int[] first = new int[2048];
        for (int i = 0; i < first.length; i++) {
            first[i] = i;
        }
        data = new TrainTestSplit(full.train().subset("train-2048", first), full.test(), "embedded, 2048 train");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet300", "lenet5"})
    void gradientsOfOneBatchAgree(String name) {
        ModelSpec model = ModelZoo.byName(name);
        Weights weights = WeightInitializer.initialize(model, 11);
        Batch batch = data.train().range(0, 64);
        Map<String, Map<String, float[]>> gradients = new LinkedHashMap<>();
        BACKENDS.forEach((backendName, backend) -> {
            try (Trainer trainer = backend.newTrainer(model, TrainerOptions.plainSgd())) {
                trainer.load(weights);
                gradients.put(backendName, trainer.gradients(batch));
            }
        });
        Map<String, float[]> reference = gradients.get("cpu-java");
        gradients.forEach((backendName, values) -> reference.forEach((parameter, expected) -> {
            float[] actual = values.get(parameter);
            assertEquals(expected.length, actual.length, backendName + " " + parameter + " shape");
            for (int i = 0; i < expected.length; i++) {
                double tolerance = ATOL + RTOL * Math.abs(expected[i]);
                if (Math.abs(expected[i] - actual[i]) > tolerance) {
                    throw new AssertionError(name + " " + backendName + " gradient of " + parameter + "[" + i + "] = "
                            + actual[i] + ", cpu-java " + expected[i]);
                }
            }
        }));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet300", "lenet5"})
    void shortLcRunsAgreeAcrossBackends(String name) {
        ModelSpec model = ModelZoo.byName(name);
        OptimizerSpec training =
                OptimizerSpec.builder().optLearningRate(0.05).optBatchSize(128).build();
        Weights reference = Lc4j.builder()
                .backend("tensorflow")
                .threads(2)
                .build()
                .train(TrainingRequest.builder()
                        .model(model)
                        .data(data)
                        .optimizer(training)
                        .epochs(2)
                        .seed(2)
                        .build());
        // a gentle L step: float rounding differs between backends, and a large step amplifies it
        // through k-means assignment flips until the runs are different runs
        OptimizerSpec optimizer = OptimizerSpec.builder()
                .optLearningRate(0.01)
                .optBatchSize(128)
                .optEpochsPerStep(1)
                .build();
        LcOptions options = LcOptions.builder()
                .setTasks(CompressionTask.perLayer(model, Codebook.adaptive(4)))
                .optMuSchedule(MuSchedule.exponential(1e-2, 2, 3))
                .optOptimizer(optimizer)
                .optSeed(3)
                .optEvaluateTrainingSet(false)
                .build();
        Map<String, LcResult> results = compressOnEveryBackend(model, reference, options);
        double referenceError = results.get("cpu-java").last().test().errorRate();
        Map<String, Double> errors = new LinkedHashMap<>();
        results.forEach((backendName, result) ->
                errors.put(backendName, result.last().test().errorRate()));
        System.out.println(name + " quantized test errors after a short LC run: " + errors);
        results.forEach((backendName, result) -> {
            double error = result.last().test().errorRate();
            assertTrue(
                    Math.abs(error - referenceError) * 100 <= ERROR_POINTS,
                    name + ": quantized test errors " + errors + " differ by more than " + ERROR_POINTS + " points");
            for (QuantizedGroup group : result.groups()) {
                assertEquals(4, group.values().length, backendName + " codebook size of " + group.task());
            }
        });
    }

    /** Runs the same LC compression on each backend, on the parity data; results by backend name. */
    static Map<String, LcResult> compressOnEveryBackend(ModelSpec model, Weights reference, LcOptions options) {
        Map<String, LcResult> results = new LinkedHashMap<>();
        for (String backendName : BACKENDS.keySet()) {
            Lc4j lc4j = Lc4j.builder().backend(backendName).threads(2).build();
            results.put(
                    backendName,
                    lc4j.compress(CompressionRequest.builder()
                            .model(model)
                            .reference(reference)
                            .data(data)
                            .options(options)
                            .build()));
        }
        return results;
    }

    @ParameterizedTest
    @ValueSource(strings = {"adaptive:4", "scaled-ternary", "partial:0+2"})
    void cStepIsIdenticalWhicheverBackendRunsItsKernels(String spec) {
        float[] x = WeightInitializer.initialize(ModelZoo.lenet300Tanh(), 4).get("fc2.weight");
        Codebook codebook = io.github.lc4j.core.CodebookSpecs.parse(spec, null);
        List<CStepSolution> solutions = new ArrayList<>();
        for (Backend backend : BACKENDS.values()) {
            solutions.add(CStepSolvers.forCodebook(codebook, 5, backend.cStepKernels())
                    .solve(x, null));
        }
        for (CStepSolution solution : solutions) {
            assertArrayEquals(solutions.get(0).values(), solution.values(), spec + " codebook");
            assertArrayEquals(solutions.get(0).assignments(), solution.assignments(), spec + " assignments");
        }
    }
}
