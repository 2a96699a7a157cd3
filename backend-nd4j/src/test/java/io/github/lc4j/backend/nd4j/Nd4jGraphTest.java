package io.github.lc4j.backend.nd4j;

import static io.github.lc4j.backend.tck.TckFixtures.randomBatch;
import static io.github.lc4j.backend.tck.TckFixtures.randomWeights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.Window;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.LossAndGradients;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.tck.TckFixtures;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The graph shapes where ND4J's own choices could go wrong: activations in place only where no
 * one else reads the tensor (a ReLU's output under a sigmoid, storage shared through a flatten),
 * gradients summed for a tensor read twice by one node, channel broadcasts on either side,
 * concatenated vectors, grouped convolutions and pooling with padding that differs per side,
 * batch normalization as the last node, a model whose only parameter fills the flat arrays, and
 * batch sizes that change between calls. Each is checked against the pure-Java reference in both
 * modes and over steps, and against finite differences where no ReLU kink is near.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Nd4jGraphTest {
    private Backend nd4j;
    private Backend reference;

    @BeforeAll
    void createBackends() {
        nd4j = new Nd4jBackendProvider().create(BackendConfig.withThreads(2));
        reference = new CpuJavaBackendProvider().create(BackendConfig.withThreads(2));
    }

    private static ModelSpec chain(String name, int[] input, Function<ModelSpec.Builder, String> body) {
        ModelSpec.Builder b = ModelSpec.builder(name, input);
        String last = body.apply(b);
        b.add("scores", new Op.Dense(3, true), b.add("flat", new Op.Flatten(), last));
        return b.build();
    }

    private static Op.Conv2d conv(int filters, int kernel, int stride, int padding) {
        return new Op.Conv2d(filters, Window.square(kernel, stride, padding), 1, true);
    }

    private static Stream<ModelSpec> models() {
        ModelSpec.Builder batchNormLast = ModelSpec.builder("batch-norm-last", new int[] {6});
        batchNormLast.add("bn", Op.BatchNorm.defaults(), batchNormLast.add("d", new Op.Dense(3, true), "input"));
        ModelSpec.Builder oneParameter = ModelSpec.builder("one-parameter", new int[] {6});
        oneParameter.add("d", new Op.Dense(3, false), "input");
        return Stream.of(
                chain("relu-under-sigmoid", new int[] {6}, b -> {
                    String r = b.add("r", new Op.Relu(), b.add("d", new Op.Dense(5, true), "input"));
                    return b.add("t", new Op.Tanh(), b.add("s", new Op.Sigmoid(), r));
                }),
                chain("relu-flatten-tanh", new int[] {2, 4, 4}, b -> {
                    String r = b.add("r", new Op.Relu(), b.add("c", conv(2, 3, 1, 1), "input"));
                    return b.add("t", new Op.Tanh(), b.add("f", new Op.Flatten(), r));
                }),
                chain("sum-of-itself", new int[] {6}, b -> {
                    String r = b.add("r", new Op.Relu(), b.add("d", new Op.Dense(5, true), "input"));
                    return b.add("a", new Op.Add(), r, r);
                }),
                chain("channel-broadcasts", new int[] {2, 4, 4}, b -> {
                    String c = b.add("c", conv(3, 3, 1, 1), "input");
                    String g = b.add("g", new Op.GlobalAveragePool(), c);
                    String m = b.add("m", new Op.Mul(), b.add("gc", conv(3, 1, 1, 0), g), c);
                    String a = b.add("a", new Op.Add(), g, m);
                    return b.add("hs", new Op.HardSwish(), b.add("cl", new Op.Clip(-0.3f, 0.4f), a));
                }),
                chain("vector-concat", new int[] {6}, b -> {
                    String d1 = b.add("d1", new Op.Dense(4, true), "input");
                    String d2 = b.add("d2", new Op.Dense(3, false), "input");
                    String cat = b.add("cat", new Op.Concat(), d1, d2, "input");
                    return b.add("r", new Op.Relu(), b.add("bn", Op.BatchNorm.defaults(), cat));
                }),
                chain("grouped-and-uneven-pads", new int[] {4, 5, 5}, b -> {
                    String c = b.add("c", new Op.Conv2d(6, new Window(3, 2, 1, 2, 1, 0, 2, 1, 2, 1), 2, true), "input");
                    String bn = b.add("bn", Op.BatchNorm.defaults(), c);
                    String avg = b.add("avg", new Op.AveragePool(new Window(2, 3, 1, 2, 1, 2, 0, 1, 1, 1), false), bn);
                    return b.add("max", new Op.MaxPool(new Window(3, 2, 2, 1, 0, 1, 2, 0, 1, 1)), avg);
                }),
                batchNormLast.build(),
                oneParameter.build());
    }

    @TestFactory
    Stream<DynamicTest> matchesTheReferenceInBothModesAcrossBatchSizes() {
        return models().map(model -> DynamicTest.dynamicTest(model.name(), () -> {
            Weights weights = randomWeights(model, 31);
            Batch batch = randomBatch(model, 6, 32);
            try (Trainer actual = nd4j.newTrainer(model, new TrainerOptions(0.9, true));
                    Trainer expected = reference.newTrainer(model, new TrainerOptions(0.9, true))) {
                actual.load(weights);
                expected.load(weights);
                actual.evaluate(randomBatch(model, 3, 5));
                actual.lossAndGradients(randomBatch(model, 2, 5));
                actual.load(weights);
                for (int round = 0; round < 2; round++) {
                    assertEquals(
                            expected.evaluate(batch).meanLoss(),
                            actual.evaluate(batch).meanLoss(),
                            1e-4,
                            model.name() + " inference loss");
                    LossAndGradients want = expected.lossAndGradients(batch);
                    LossAndGradients got = actual.lossAndGradients(batch);
                    assertEquals(want.loss(), got.loss(), 1e-4, model.name() + " training loss");
                    assertEquals(want.gradients().keySet(), got.gradients().keySet());
                    want.gradients()
                            .forEach((name, values) -> assertArrayEquals(
                                    values, got.gradients().get(name), 1e-3f, model.name() + " gradient of " + name));
                    assertEquals(expected.step(batch, 0.05), actual.step(batch, 0.05), 1e-4, model.name() + " step");
                }
                Weights after = expected.snapshot();
                for (String name : after.names()) {
                    assertArrayEquals(after.get(name), actual.snapshot().get(name), 1e-3f, model.name() + " " + name);
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> gradientsMatchFiniteDifferences() {
        return models().filter(model -> !model.name().equals("relu-flatten-tanh")) // a ReLU kink within ε
                .map(model -> DynamicTest.dynamicTest(model.name(), () -> {
                    try (Trainer trainer = nd4j.newTrainer(model, new TrainerOptions(0.9, true))) {
                        TckFixtures.checkGradients(trainer, model, randomWeights(model, 11), randomBatch(model, 5, 12));
                    }
                }));
    }

    /** libnd4j's log_softmax underflows to −∞ past a gap of ~88; the loss must stay the reference's. */
    @Test
    void hugeScoreGapsGiveTheReferenceLoss() {
        ModelSpec.Builder builder = ModelSpec.builder("huge-gaps", new int[] {2});
        builder.add("d", new Op.Dense(3, false), "input");
        ModelSpec model = builder.build();
        Weights weights = Weights.of(model, Map.of("d.weight", new float[] {300, 0, -300, 0, 150, 0}));
        Batch batch = new Batch(new float[] {1, 0, 0, 1, 1, 0}, new int[] {0, 1, 2});
        try (Trainer actual = nd4j.newTrainer(model, TrainerOptions.plainSgd());
                Trainer expected = reference.newTrainer(model, TrainerOptions.plainSgd())) {
            actual.load(weights);
            expected.load(weights);
            double loss = actual.evaluate(batch).meanLoss();
            assertTrue(Double.isFinite(loss), "loss " + loss);
            assertEquals(expected.evaluate(batch).meanLoss(), loss, 1e-3);
            assertEquals(
                    expected.lossAndGradients(batch).loss(),
                    actual.lossAndGradients(batch).loss(),
                    1e-3);
        }
    }
}
