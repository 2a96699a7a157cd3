package io.github.lc4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * After warm-up a cpu-java training step allocates nothing on any of its threads: buffers are
 * kept per trainer and grow with the batch, loop bodies are built once, and the thread pool
 * hands out work through fields. Counted with HotSpot's per-thread allocation counters.
 */
class CpuTrainerAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static ModelSpec model(String kind) {
        if (kind.equals("dense")) {
            return ModelSpec.of(
                    "mlp",
                    new int[] {1, 12, 12},
                    List.of(
                            Layer.flatten(),
                            Layer.dense("fc1", 40),
                            Layer.tanh(),
                            Layer.dense("fc2", 20),
                            Layer.relu(),
                            Layer.dense("fc3", 10)));
        }
        return ModelSpec.of(
                "cnn",
                new int[] {1, 12, 12},
                List.of(
                        Layer.conv2d("conv1", 4, 3, 1, 1),
                        Layer.maxPool(2, 2),
                        Layer.relu(),
                        Layer.conv2d("conv2", 6, 3, 1, 0),
                        Layer.flatten(),
                        Layer.dense("fc", 10)));
    }

    private static float[] gaussian(int n, SplittableRandom random, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * scale);
        }
        return values;
    }

    private static Batch batch(ModelSpec model, int size, SplittableRandom random) {
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(10);
        }
        return new Batch(gaussian(size * model.inputSize(), random, 1), labels);
    }

    private static long allocatedBytes(long[] threadIds) {
        long total = THREADS.getCurrentThreadAllocatedBytes();
        for (long id : threadIds) {
            total += THREADS.getThreadAllocatedBytes(id);
        }
        return total;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dense", "conv"})
    void aTrainingStepAllocatesNothingAfterWarmUp(String kind) {
        Assumptions.assumeTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled());
        ModelSpec model = model(kind);
        SplittableRandom random = new SplittableRandom(3);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, float[]> targets = new LinkedHashMap<>();
        for (ParameterSpec parameter : model.parameters()) {
            values.put(parameter.name(), gaussian(parameter.size(), random, 0.1));
            targets.put(parameter.name(), gaussian(parameter.size(), random, 0.1));
        }
        // a full batch and the smaller last batch of an epoch, as the LC loop feeds them
        Batch full = batch(model, 64, random);
        Batch last = batch(model, 23, random);
        try (Trainer trainer = new CpuJavaBackend(2).newTrainer(model, new TrainerOptions(0.9, true))) {
            trainer.load(Weights.of(model, values));
            trainer.setPenalty(targets, 0.05);
            long[] workers = ((CpuTrainer) trainer).workerThreadIds();
            assertEquals(1, workers.length, "two threads: the caller and one worker");
            double loss = 0;
            for (int step = 0; step < 300; step++) {
                loss += trainer.step(step % 4 == 3 ? last : full, 0.01);
            }
            // reading the counters of other threads allocates a little on this one: measured, then taken off
            long start = allocatedBytes(workers);
            long overhead = allocatedBytes(workers) - start;
            long before = allocatedBytes(workers);
            for (int step = 0; step < 200; step++) {
                loss += trainer.step(step % 4 == 3 ? last : full, 0.01);
            }
            long allocated = allocatedBytes(workers) - before - overhead;
            assertTrue(Double.isFinite(loss), "loss " + loss);
            // 200 steps allocating one small object each would exceed this
            assertTrue(allocated < 2_048, kind + ": 200 steps allocated " + allocated + " bytes");
        }
    }
}
