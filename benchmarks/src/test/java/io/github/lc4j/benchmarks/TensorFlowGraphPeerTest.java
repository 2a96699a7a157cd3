package io.github.lc4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.Window;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.backend.tensorflow.TensorFlowBackendProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The plain TensorFlow loop of a graph trains the same net as lc4j: from the same initial weights,
 * on the same batches, its losses follow lc4j's TensorFlow backend's step for step.
 */
class TensorFlowGraphPeerTest {
    private static final int STEPS = 3;

    @Test
    void resnet20LossesFollowTheTensorFlowBackend() {
        ModelSpec model = TrainingThroughputBenchmark.model("resnet20");
        List<Batch> batches = TrainingThroughputBenchmark.batches(8).subList(0, STEPS);
        float[] peer = TensorFlowGraphPeer.withLossLoop(model, batches, 2, loop -> {
            float[] losses = new float[STEPS];
            for (int i = 0; i < STEPS; i++) {
                losses[i] = loop.step(i);
            }
            return losses;
        });
        try (Trainer trainer = TrainingThroughputBenchmark.openTrainer(new TensorFlowBackendProvider(), model, 2)) {
            for (int i = 0; i < STEPS; i++) {
                double lc4j = trainer.step(batches.get(i), TrainingThroughputBenchmark.RATE);
                assertTrue(Double.isFinite(lc4j) && lc4j > 0, "step " + i + ": " + lc4j);
                assertEquals(lc4j, peer[i], 1e-3 * Math.max(1, lc4j), "loss of step " + i);
            }
        }
    }

    @Test
    void anOpItDoesNotWriteIsRefusedByName() {
        ModelSpec.Builder builder = ModelSpec.builder("gated", new int[] {1, 4, 4});
        String conv = builder.add("conv", new Op.Conv2d(2, Window.square(3, 1, 1), 1, true), ModelSpec.INPUT);
        String gate = builder.add("gate", new Op.Sigmoid(), conv);
        String pooled = builder.add("pool", new Op.GlobalAveragePool(), gate);
        String flat = builder.add("flatten", new Op.Flatten(), pooled);
        builder.add("fc", new Op.Dense(2, true), flat);
        ModelSpec model = builder.build();
        UnsupportedOperationException refused = assertThrows(
                UnsupportedOperationException.class,
                () -> TensorFlowGraphPeer.withLoop(model, TrainingThroughputBenchmark.batches(4), 1, loop -> 0));
        assertTrue(
                refused.getMessage().contains("sigmoid") && refused.getMessage().contains("gate"),
                refused.getMessage());
    }
}
