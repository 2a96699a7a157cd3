package io.github.lc4j.backend.tck;

import static io.github.lc4j.backend.tck.TckFixtures.randomBatch;
import static io.github.lc4j.backend.tck.TckFixtures.randomWeights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.Window;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.LossAndGradients;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The graph suite every backend passes: one sample model per {@link Op} type and the joins real
 * nets use (identity and projection shortcuts, a squeeze-excitation gate, a concatenation,
 * depthwise convolutions with ReLU6), each checked against finite differences in training mode
 * and, when a reference backend is given, against the reference in both modes; batch
 * normalization's running statistics and modes; and the refusal of an op a backend does not
 * declare. Subclass it in the backend's tests and return the provider.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class GraphConformanceSuite {
    private static final int CLASSES = 3;

    private Backend backend;
    private Backend reference;

    /** Returns the provider of the backend under test. */
    protected abstract BackendProvider provider();

    /**
     * Returns the provider of the backend whose losses and gradients this one must match, or null
     * when the backend under test is itself the reference.
     */
    protected BackendProvider referenceProvider() {
        return null;
    }

    /** Relative tolerance of losses and gradients against the reference backend (float32 rounding). */
    protected double parityTolerance() {
        return 1e-4;
    }

    @BeforeAll
    final void createBackends() {
        backend = provider().create(BackendConfig.withThreads(2));
        BackendProvider referenceProvider = referenceProvider();
        reference = referenceProvider == null ? null : referenceProvider.create(BackendConfig.withThreads(2));
    }

    // ------------------------------------------------------------------------------- models

    private static final int[] IMAGE = {2, 5, 5};
    private static final int[] VECTOR = {6};

    /** A chain ending in flatten (for maps) and a dense layer of class scores. */
    private static ModelSpec chain(String name, int[] input, Function<ModelSpec.Builder, String> body) {
        ModelSpec.Builder builder = ModelSpec.builder(name, input);
        String last = body.apply(builder);
        String flat = builder.add("flat", new Op.Flatten(), last);
        builder.add("scores", new Op.Dense(CLASSES, true), flat);
        return builder.build();
    }

    private static Op.Conv2d conv(int filters, int kernel, int stride, int padding) {
        return new Op.Conv2d(filters, Window.square(kernel, stride, padding), 1, true);
    }

    /**
     * A model around one node of {@code opType} whose output needs a gradient, with a trained node
     * before it, so that the op's input gradient is checked through that node's parameters. An op
     * added to the API without a sample here fails this suite on every backend until it is added.
     */
    static ModelSpec sampleModelWith(Class<?> opType) {
        String name = "tck-" + opType.getSimpleName();
        if (opType == Op.Dense.class) {
            return chain(name, VECTOR, b -> {
                String first = b.add("first", new Op.Dense(5, true), ModelSpec.INPUT);
                return b.add("sample", new Op.Dense(4, false), first);
            });
        } else if (opType == Op.Conv2d.class) {
            return chain(
                    name,
                    new int[] {2, 6, 5},
                    b -> b.add(
                            "sample",
                            new Op.Conv2d(3, new Window(3, 2, 2, 1, 1, 0, 0, 1, 1, 2), 1, true),
                            ModelSpec.INPUT));
        } else if (opType == Op.BatchNorm.class) {
            return chain(name, IMAGE, b -> {
                String first = b.add("first", conv(3, 3, 1, 1), ModelSpec.INPUT);
                return b.add("sample", Op.BatchNorm.defaults(), first);
            });
        } else if (opType == Op.Add.class) {
            return chain(name, IMAGE, b -> {
                String first = b.add("first", conv(2, 3, 1, 1), ModelSpec.INPUT);
                String squashed = b.add("squashed", new Op.Tanh(), first);
                return b.add("sample", new Op.Add(), first, squashed);
            });
        } else if (opType == Op.Mul.class) {
            return chain(name, VECTOR, b -> {
                String first = b.add("first", new Op.Dense(5, true), ModelSpec.INPUT);
                return b.add("sample", new Op.Mul(), first, first);
            });
        } else if (opType == Op.Concat.class) {
            return chain(name, IMAGE, b -> {
                String left = b.add("left", conv(2, 3, 1, 1), ModelSpec.INPUT);
                String right = b.add("right", conv(3, 1, 1, 0), ModelSpec.INPUT);
                return b.add("sample", new Op.Concat(), left, right);
            });
        } else if (opType == Op.Relu.class) {
            return activation(name, new Op.Relu());
        } else if (opType == Op.Clip.class) {
            return activation(name, new Op.Clip(-0.5f, 0.7f));
        } else if (opType == Op.Sigmoid.class) {
            return activation(name, new Op.Sigmoid());
        } else if (opType == Op.Tanh.class) {
            return activation(name, new Op.Tanh());
        } else if (opType == Op.HardSwish.class) {
            return activation(name, new Op.HardSwish());
        } else if (opType == Op.MaxPool.class) {
            return chain(name, IMAGE, b -> {
                String first = b.add("first", conv(2, 3, 1, 1), ModelSpec.INPUT);
                return b.add("sample", new Op.MaxPool(Window.square(3, 2, 1)), first);
            });
        } else if (opType == Op.AveragePool.class) {
            return chain(name, IMAGE, b -> {
                String first = b.add("first", conv(2, 3, 1, 1), ModelSpec.INPUT);
                String excluded =
                        b.add("sample", new Op.AveragePool(new Window(3, 2, 2, 1, 1, 0, 1, 1, 1, 1), false), first);
                return b.add("included", new Op.AveragePool(Window.square(2, 1, 1), true), excluded);
            });
        } else if (opType == Op.GlobalAveragePool.class) {
            return chain(name, IMAGE, b -> {
                String first = b.add("first", conv(3, 3, 1, 1), ModelSpec.INPUT);
                return b.add("sample", new Op.GlobalAveragePool(), first);
            });
        } else if (opType == Op.Reshape.class) {
            // a squeeze-excitation gate computed by dense layers, reshaped to [C, 1, 1]
            return chain(name, IMAGE, b -> {
                String first = b.add("first", conv(3, 3, 1, 1), ModelSpec.INPUT);
                String squeezed = b.add("squeezed", new Op.Flatten(), b.add("mean", new Op.GlobalAveragePool(), first));
                String gate = b.add("gate", new Op.Sigmoid(), b.add("excite", new Op.Dense(3, true), squeezed));
                String sample = b.add("sample", new Op.Reshape(new int[] {3, 1, 1}), gate);
                return b.add("gated", new Op.Mul(), first, sample);
            });
        } else if (opType == Op.Flatten.class) {
            ModelSpec.Builder builder = ModelSpec.builder(name, IMAGE);
            String flat = builder.add("sample", new Op.Flatten(), ModelSpec.INPUT);
            builder.add("scores", new Op.Dense(CLASSES, true), flat);
            return builder.build();
        }
        throw new AssertionError("the graph conformance suite has no sample model for op type " + opType.getName()
                + "; add one to GraphConformanceSuite.sampleModelWith");
    }

    private static ModelSpec activation(String name, Op op) {
        return chain(name, VECTOR, b -> {
            String first = b.add("first", new Op.Dense(5, true), ModelSpec.INPUT);
            return b.add("sample", op, first);
        });
    }

    /** The penalty's proximal step on nets with batch normalization, shortcuts and depthwise convolutions. */
    @Test
    void aPenalizedStepOnARealNetIsTheProximalStep() {
        for (ModelSpec model : List.of(projectionShortcut(), depthwiseBlocks())) {
            assumeSupports(model);
            TckFixtures.checkProximalSteps(backend, model);
        }
    }

    /** A basic residual block with an identity shortcut, batch normalization and a two-group convolution. */
    static ModelSpec identityShortcut() {
        return chain("tck-identity-shortcut", new int[] {2, 6, 6}, b -> {
            String c1 = b.add("c1", conv(4, 3, 1, 1), ModelSpec.INPUT);
            String r1 = b.add("r1", new Op.Relu(), b.add("bn1", Op.BatchNorm.defaults(), c1));
            String c2 = b.add("c2", new Op.Conv2d(4, Window.square(3, 1, 1), 2, false), r1);
            String bn2 = b.add("bn2", Op.BatchNorm.defaults(), c2);
            String sum = b.add("sum", new Op.Add(), bn2, r1);
            return b.add("pool", new Op.GlobalAveragePool(), b.add("r2", new Op.Relu(), sum));
        });
    }

    /** A residual block that halves the map and doubles the channels, with a 1×1 projection shortcut. */
    static ModelSpec projectionShortcut() {
        return chain("tck-projection-shortcut", new int[] {2, 6, 6}, b -> {
            String r1 = b.add("r1", new Op.Relu(), b.add("c1", conv(4, 3, 1, 1), ModelSpec.INPUT));
            String c2 = b.add("c2", new Op.Conv2d(8, Window.square(3, 2, 1), 1, false), r1);
            String r2 = b.add("r2", new Op.Relu(), b.add("bn2", Op.BatchNorm.defaults(), c2));
            String c3 = b.add("c3", new Op.Conv2d(8, Window.square(3, 1, 1), 1, false), r2);
            String bn3 = b.add("bn3", Op.BatchNorm.defaults(), c3);
            String projection = b.add("proj", new Op.Conv2d(8, Window.square(1, 2, 0), 1, false), r1);
            String bnp = b.add("bnp", Op.BatchNorm.defaults(), projection);
            String sum = b.add("sum", new Op.Add(), bn3, bnp);
            return b.add("pool", new Op.GlobalAveragePool(), b.add("r3", new Op.Relu(), sum));
        });
    }

    /** A squeeze-excitation gate: global pooling, two 1×1 convolutions, a sigmoid, a channel product. */
    static ModelSpec squeezeExcitation() {
        return chain("tck-squeeze-excitation", new int[] {2, 5, 5}, b -> {
            String r = b.add("r", new Op.Relu(), b.add("c1", conv(4, 3, 1, 1), ModelSpec.INPUT));
            String squeezed = b.add("squeeze", new Op.GlobalAveragePool(), r);
            String s1 = b.add("s1r", new Op.Relu(), b.add("s1", conv(2, 1, 1, 0), squeezed));
            String gate = b.add("gate", new Op.Sigmoid(), b.add("s2", conv(4, 1, 1, 0), s1));
            return b.add("scaled", new Op.Mul(), r, gate);
        });
    }

    /** Three branches joined by a concatenation: 1×1, 3×3 and average pooling. */
    static ModelSpec concatenatedBranches() {
        return chain("tck-concat", new int[] {2, 6, 6}, b -> {
            String a = b.add("a", conv(2, 1, 1, 0), ModelSpec.INPUT);
            String c = b.add("cr", new Op.Relu(), b.add("c", conv(2, 3, 1, 1), ModelSpec.INPUT));
            String pooled = b.add("avg", new Op.AveragePool(Window.square(3, 1, 1), false), ModelSpec.INPUT);
            String joined = b.add("joined", new Op.Concat(), a, c, pooled);
            return b.add("pool", new Op.MaxPool(Window.square(2, 2, 0)), joined);
        });
    }

    /** A MobileNetV2 inverted residual (expand, depthwise, ReLU6, linear bottleneck) and a strided depthwise. */
    static ModelSpec depthwiseBlocks() {
        return chain("tck-depthwise", new int[] {3, 6, 6}, b -> {
            String stem = b.add("stem", conv(3, 3, 1, 1), ModelSpec.INPUT);
            String e = b.add("e", new Op.Conv2d(6, Window.square(1, 1, 0), 1, false), stem);
            String er = b.add("er", Op.Clip.relu6(), b.add("ebn", Op.BatchNorm.defaults(), e));
            String d = b.add("dw", new Op.Conv2d(6, Window.square(3, 1, 1), 6, false), er);
            String dr = b.add("dr", Op.Clip.relu6(), b.add("dbn", Op.BatchNorm.defaults(), d));
            String p = b.add("p", new Op.Conv2d(3, Window.square(1, 1, 0), 1, false), dr);
            String sum = b.add("sum", new Op.Add(), b.add("pbn", Op.BatchNorm.defaults(), p), stem);
            String down = b.add("dw2", new Op.Conv2d(6, Window.square(3, 2, 1), 3, true), sum);
            return b.add("pool", new Op.GlobalAveragePool(), b.add("hs", new Op.HardSwish(), down));
        });
    }

    private static List<ModelSpec> networks() {
        return List.of(
                identityShortcut(),
                projectionShortcut(),
                squeezeExcitation(),
                concatenatedBranches(),
                depthwiseBlocks());
    }

    private static List<ModelSpec> allModels() {
        List<ModelSpec> models = new ArrayList<>();
        for (Class<?> opType : Op.class.getPermittedSubclasses()) {
            models.add(sampleModelWith(opType));
        }
        models.addAll(networks());
        return models;
    }

    private boolean supports(Backend candidate, ModelSpec model) {
        try {
            candidate.checkSupports(model);
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    private void assumeSupports(ModelSpec model) {
        assumeTrue(
                supports(backend, model),
                () -> "backend " + backend.name() + " lacks a capability model " + model.name() + " needs; it declares "
                        + backend.capabilities());
    }

    private Trainer trainer(Backend on, ModelSpec model) {
        return on.newTrainer(model, new TrainerOptions(0.9, true));
    }

    // ----------------------------------------------------------------------------- gradients

    @TestFactory
    Stream<DynamicTest> gradientsMatchFiniteDifferencesInTrainingMode() {
        return allModels().stream()
                .map(model -> DynamicTest.dynamicTest(model.name(), () -> {
                    assumeSupports(model);
                    try (Trainer trainer = trainer(backend, model)) {
                        TckFixtures.checkGradients(trainer, model, randomWeights(model, 11), randomBatch(model, 5, 12));
                    }
                }));
    }

    @TestFactory
    Stream<DynamicTest> bothModesAndStepsMatchTheReference() {
        return allModels().stream()
                .map(model -> DynamicTest.dynamicTest(model.name(), () -> {
                    assumeTrue(reference != null, "no reference backend: this backend is the reference");
                    assumeSupports(model);
                    assumeTrue(supports(reference, model), "the reference backend cannot run " + model.name());
                    Weights weights = randomWeights(model, 31);
                    Batch batch = randomBatch(model, 6, 32);
                    try (Trainer actual = trainer(backend, model);
                            Trainer expected = trainer(reference, model)) {
                        actual.load(weights);
                        expected.load(weights);
                        assertClose(
                                expected.evaluate(batch).meanLoss(),
                                actual.evaluate(batch).meanLoss(),
                                model.name() + " inference-mode loss");
                        LossAndGradients want = expected.lossAndGradients(batch);
                        LossAndGradients got = actual.lossAndGradients(batch);
                        assertClose(want.loss(), got.loss(), model.name() + " training-mode loss");
                        want.gradients()
                                .forEach((name, values) -> assertArrayClose(
                                        values, got.gradients().get(name), model.name() + " gradient of " + name));
                        for (int step = 0; step < 3; step++) {
                            assertClose(
                                    expected.step(batch, 0.05),
                                    actual.step(batch, 0.05),
                                    model.name() + " step " + step);
                        }
                        Weights after = expected.snapshot();
                        Weights afterActual = actual.snapshot();
                        for (String name : after.names()) {
                            assertArrayClose(
                                    after.get(name),
                                    afterActual.get(name),
                                    model.name() + " " + name + " after 3 steps");
                        }
                    }
                }));
    }

    // ------------------------------------------------------------------------ batch normalization

    /**
     * Batch normalization sums batch·H·W values per channel, 6,272 here (32 images, 14×14 maps).
     * Summed into one float32 accumulator they lose about 10⁻⁵ of their value, which moves some
     * activations across the ReLU6 after the normalization and changes gradients by 10⁻³ of their
     * size; every step then starts from different numbers on different backends. A backend must
     * keep float32's precision here, as the reference does (measured: ≤ 5·10⁻⁶ for TensorFlow
     * and ND4J against cpu-java; ND4J summing in one pass: 9·10⁻³).
     */
    @Test
    void batchNormalizationOverALargeMapKeepsFloat32Precision() {
        assumeTrue(reference != null, "no reference backend: this backend is the reference");
        ModelSpec.Builder builder = ModelSpec.builder("tck-large-map", new int[] {1, 28, 28});
        String x = builder.add("pre", new Op.Conv2d(16, Window.square(3, 2, 1), 1, false), ModelSpec.INPUT);
        x = builder.add("pre.relu6", Op.Clip.relu6(), x);
        x = builder.add("conv", new Op.Conv2d(64, Window.square(1, 1, 0), 1, false), x);
        x = builder.add("bn", Op.BatchNorm.defaults(), x);
        x = builder.add("relu6", Op.Clip.relu6(), x);
        builder.add("scores", new Op.Dense(10, true), builder.add("flat", new Op.Flatten(), x));
        ModelSpec model = builder.build();
        assumeSupports(model);
        Weights weights = io.github.lc4j.core.WeightInitializer.initialize(model, 3);
        Batch batch =
                io.github.lc4j.core.data.DataSets.embeddedFashionMnist().train().range(0, 32);
        try (Trainer actual = trainer(backend, model);
                Trainer expected = trainer(reference, model)) {
            actual.load(weights);
            expected.load(weights);
            Map<String, float[]> want = expected.gradients(batch);
            Map<String, float[]> got = actual.gradients(batch);
            want.forEach((name, values) -> {
                float largest = 0;
                float difference = 0;
                for (int i = 0; i < values.length; i++) {
                    largest = Math.max(largest, Math.abs(values[i]));
                    difference = Math.max(difference, Math.abs(values[i] - got.get(name)[i]));
                }
                assertTrue(
                        difference <= 1e-4 * largest,
                        "gradient of " + name + " differs from the reference's by " + difference / largest
                                + " of its largest value; sum each channel's values in an order that keeps"
                                + " float32's precision");
            });
        }
    }

    /** Batch normalization straight on the input, so that its batch statistics are the data's. */
    private static ModelSpec normalizedInput() {
        return chain("tck-normalized-input", new int[] {2, 3, 3}, b -> b.add("bn", Op.BatchNorm.defaults(), "input"));
    }

    @Test
    void aTrainingStepMovesTheRunningStatisticsTowardTheBatchStatistics() {
        ModelSpec model = normalizedInput();
        assumeSupports(model);
        Weights weights = randomWeights(model, 41);
        Batch batch = randomBatch(model, 4, 42);
        double[][] statistics = channelStatistics(batch, 2, 9);
        double momentum = Op.BatchNorm.defaults().momentum();
        try (Trainer trainer = trainer(backend, model)) {
            trainer.load(weights);
            trainer.step(batch, 0.1);
            Weights after = trainer.snapshot();
            float[] mean = after.get(ParameterSpec.nameOf("bn", ParameterSpec.Role.RUNNING_MEAN));
            float[] variance = after.get(ParameterSpec.nameOf("bn", ParameterSpec.Role.RUNNING_VARIANCE));
            float[] meanBefore = weights.get(ParameterSpec.nameOf("bn", ParameterSpec.Role.RUNNING_MEAN));
            float[] varianceBefore = weights.get(ParameterSpec.nameOf("bn", ParameterSpec.Role.RUNNING_VARIANCE));
            int count = 4 * 9;
            for (int c = 0; c < 2; c++) {
                double expectedMean = momentum * meanBefore[c] + (1 - momentum) * statistics[0][c];
                double unbiased = statistics[1][c] * count / (count - 1);
                double expectedVariance = momentum * varianceBefore[c] + (1 - momentum) * unbiased;
                assertEquals(expectedMean, mean[c], 1e-5, "running mean of channel " + c);
                assertEquals(expectedVariance, variance[c], 1e-5, "running variance of channel " + c);
            }
        }
    }

    @Test
    void inferenceUsesTheRunningStatisticsAndChangesNothing() {
        ModelSpec model = normalizedInput();
        assumeSupports(model);
        Batch batch = randomBatch(model, 4, 52);
        double[][] statistics = channelStatistics(batch, 2, 9);
        Weights random = randomWeights(model, 51);
        Map<String, float[]> matching = new LinkedHashMap<>();
        matching.put(ParameterSpec.nameOf("bn", ParameterSpec.Role.RUNNING_MEAN), toFloats(statistics[0]));
        matching.put(ParameterSpec.nameOf("bn", ParameterSpec.Role.RUNNING_VARIANCE), toFloats(statistics[1]));
        Weights batchStatistics = random.with(matching);
        try (Trainer trainer = trainer(backend, model)) {
            trainer.load(batchStatistics);
            double inference = trainer.evaluate(batch).meanLoss();
            assertEquals(batchStatistics, trainer.snapshot(), "evaluate changed the running statistics");
            double training = trainer.lossAndGradients(batch).loss();
            assertEquals(training, inference, 1e-4, "running statistics equal to the batch's give the training loss");
            trainer.load(random);
            assertNotEquals(
                    training,
                    trainer.evaluate(batch).meanLoss(),
                    1e-3,
                    "inference with other running statistics must differ from training mode");
        }
    }

    /** Per channel, the mean and the biased variance of a batch of {@code [channels, spatial]} samples. */
    private static double[][] channelStatistics(Batch batch, int channels, int spatial) {
        double[][] statistics = new double[2][channels];
        float[] inputs = batch.inputs();
        int count = batch.size() * spatial;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int sample = 0; sample < batch.size(); sample++) {
                for (int i = 0; i < spatial; i++) {
                    sum += inputs[sample * channels * spatial + c * spatial + i];
                }
            }
            double mean = sum / count;
            double squares = 0;
            for (int sample = 0; sample < batch.size(); sample++) {
                for (int i = 0; i < spatial; i++) {
                    double d = inputs[sample * channels * spatial + c * spatial + i] - mean;
                    squares += d * d;
                }
            }
            statistics[0][c] = mean;
            statistics[1][c] = squares / count;
        }
        return statistics;
    }

    @Test
    void runningStatisticsGetNoMomentumAndNoGradient() {
        ModelSpec model = sampleModelWith(Op.BatchNorm.class);
        assumeSupports(model);
        try (Trainer trainer = trainer(backend, model)) {
            trainer.load(randomWeights(model, 61));
            trainer.step(randomBatch(model, 4, 62), 0.1);
            List<String> trainable = model.trainableParameters().stream()
                    .map(ParameterSpec::name)
                    .toList();
            assertEquals(trainable, List.copyOf(trainer.momentum().keySet()), "momentum holds trained parameters");
            assertEquals(
                    trainable,
                    List.copyOf(trainer.gradients(randomBatch(model, 4, 63)).keySet()),
                    "gradients hold trained parameters");
        }
    }

    // ---------------------------------------------------------------------------- capabilities

    @Test
    void everyOpIsTrainedOrRejectedByName() {
        for (Class<?> opType : Op.class.getPermittedSubclasses()) {
            ModelSpec model = sampleModelWith(opType);
            if (supports(backend, model)) {
                try (Trainer trainer = trainer(backend, model)) {
                    trainer.load(randomWeights(model, 71));
                    assertTrue(Double.isFinite(trainer.step(randomBatch(model, 3, 72), 0.1)), opType.getName());
                }
            } else {
                checkRejected(model, opType);
            }
        }
    }

    private void checkRejected(ModelSpec model, Class<?> opType) {
        UnsupportedOperationException error = assertThrows(
                UnsupportedOperationException.class,
                () -> trainer(backend, model).close(),
                "a model with " + opType.getSimpleName() + " must be refused at newTrainer");
        assertTrue(
                error.getMessage().contains(backend.name())
                        && error.getMessage().contains(opType.getSimpleName()),
                "the refusal must name the op and the backend: " + error.getMessage());
        assertThrows(
                UnsupportedOperationException.class,
                () -> backend.newEvaluator(model).close(),
                "a model with " + opType.getSimpleName() + " must be refused at newEvaluator");
    }

    // ---------------------------------------------------------------------------------- helpers

    private void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, parityTolerance() * Math.max(1, Math.abs(expected)), what);
    }

    private void assertArrayClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        float largest = 0;
        for (float value : expected) {
            largest = Math.max(largest, Math.abs(value));
        }
        float tolerance = (float) (parityTolerance() * Math.max(1, largest)) * 10;
        assertArrayEquals(expected, actual, tolerance, what);
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }
}
