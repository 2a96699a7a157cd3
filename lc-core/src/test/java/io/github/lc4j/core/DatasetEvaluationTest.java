package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.zoo.ModelZoo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A data set evaluated in chunks as large as the model's activations allow: every sample once. */
class DatasetEvaluationTest {

    @Test
    void smallNetsTakeLargeChunksAndLargeOnesKeepTheMinimum() {
        int lenet300 = DatasetEvaluation.chunk(ModelZoo.byName("lenet300"));
        assertTrue(lenet300 >= 5 * DatasetEvaluation.MINIMUM_CHUNK, "LeNet300's activations are small: " + lenet300);
        assertEquals(DatasetEvaluation.MINIMUM_CHUNK, DatasetEvaluation.chunk(ModelZoo.byName("resnet20")));
        int lenet5 = DatasetEvaluation.chunk(ModelZoo.byName("lenet5"));
        assertTrue(lenet5 >= DatasetEvaluation.MINIMUM_CHUNK && lenet5 <= DatasetEvaluation.MAXIMUM_CHUNK, "" + lenet5);
    }

    @Test
    void everySampleIsEvaluatedOnceInOrder() {
        ModelSpec model = ModelSpec.of("one", new int[] {1}, List.of(Layer.dense("a", 2)));
        int size = 2 * DatasetEvaluation.MAXIMUM_CHUNK + 7;
        float[] inputs = new float[size];
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            inputs[i] = i;
            labels[i] = i % 2;
        }
        RecordingEvaluator counting = new RecordingEvaluator(model);
        Evaluation total = DatasetEvaluation.of(counting, new Dataset("counted", new int[] {1}, inputs, labels));
        assertEquals(size, total.count());
        assertEquals(size, counting.firstInputs.size());
        for (int i = 0; i < size; i++) {
            assertEquals(i, counting.firstInputs.get(i), "samples in order, none twice");
        }
        assertEquals(
                List.of(DatasetEvaluation.MAXIMUM_CHUNK, DatasetEvaluation.MAXIMUM_CHUNK, 7),
                counting.batchSizes,
                "chunks");
    }
}
