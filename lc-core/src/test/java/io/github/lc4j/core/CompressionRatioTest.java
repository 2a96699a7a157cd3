package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompressionRatioTest {
    @Test
    void lenet300AtOneBitIsAboutThirtyPointFive() {
        ModelSpec model = ModelZoo.lenet300Tanh();
        assertEquals(266_610, model.parameterCount());
        List<CompressionTask> tasks = CompressionTask.perLayer(model, Codebook.adaptive(2));
        // 266,200 one-bit weights + 3 codebooks of 2 floats + 410 float biases
        assertEquals(266_200 + 3 * 2 * 32 + 410 * 32, CompressionRatio.compressedBits(model, tasks));
        assertEquals(30.52, CompressionRatio.of(model, tasks), 0.01);
    }

    @Test
    void fixedCodebooksStoreNoValuesAndScaledOnesOne() {
        ModelSpec model = ModelZoo.lenet300Tanh();
        long fixed = CompressionRatio.compressedBits(model, CompressionTask.perLayer(model, Codebook.ternary()));
        long scaled = CompressionRatio.compressedBits(model, CompressionTask.perLayer(model, Codebook.scaledTernary()));
        assertEquals(266_200L * 2 + 410 * 32, fixed);
        assertEquals(fixed + 3 * 32, scaled);
    }

    @Test
    void initializationIsSeededAndPerParameter() {
        ModelSpec model = ModelZoo.lenet5();
        assertEquals(WeightInitializer.initialize(model, 3), WeightInitializer.initialize(model, 3));
        assertEquals(
                model.parameters().size(),
                WeightInitializer.initialize(model, 3)
                                .differingParameters(WeightInitializer.initialize(model, 4))
                                .size()
                        + 4,
                "weights differ between seeds, zero biases do not");
    }
}
