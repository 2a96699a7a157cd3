package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.core.zoo.ModelZoo;
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
    void perChannelCodebooksPayForOneCodebookPerOutputChannel() {
        ModelSpec model = ModelZoo.lenet300Tanh();
        List<CompressionTask> tasks = CompressionTask.perChannel(model, Codebook.adaptive(2));
        assertEquals(300 + 100 + 10, tasks.size(), "one task per output unit of each dense layer");
        // 266,200 one-bit weights + 410 codebooks of 2 floats + 410 float biases
        assertEquals(266_200 + 410 * 2 * 32 + 410 * 32, CompressionRatio.compressedBits(model, tasks));
        ModelSpec lenet5 = ModelZoo.lenet5();
        List<CompressionTask> filters = CompressionTask.perChannel(lenet5, Codebook.scaledTernary());
        long expected = 0;
        for (var parameter : lenet5.parameters()) {
            expected += parameter.role() == io.github.lc4j.api.ParameterSpec.Role.WEIGHT
                    ? 2L * parameter.size() + 32L * parameter.outputChannels()
                    : 32L * parameter.size();
        }
        assertEquals(expected, CompressionRatio.compressedBits(lenet5, filters));
    }

    @Test
    void channelTasksMustCoverEveryChannelOnceAndNotMixWithWholeParameters() {
        ModelSpec model = ModelZoo.lenet300Tanh();
        List<CompressionTask> all = CompressionTask.perChannel(model, Codebook.adaptive(2));
        CompressionTask.checkAgainst(model, all);
        var partial = assertThrows(
                io.github.lc4j.api.InvalidInputException.class,
                () -> CompressionTask.checkAgainst(model, all.subList(1, all.size())));
        assertTrue(partial.getMessage().contains("cover 299 of its 300 output channels"), partial.getMessage());
        List<CompressionTask> mixed = new java.util.ArrayList<>(all);
        mixed.add(new CompressionTask("whole", List.of("fc1.weight"), Codebook.binary()));
        assertThrows(io.github.lc4j.api.InvalidInputException.class, () -> CompressionTask.checkAgainst(model, mixed));
        assertThrows(
                io.github.lc4j.api.InvalidInputException.class,
                () -> CompressionTask.checkAgainst(
                        model, List.of(new CompressionTask("far", List.of("fc3.weight"), Codebook.binary(), 10))));
        int[] column = model.parameter("fc1.weight").channelPositions(7);
        assertEquals(784, column.length);
        assertEquals(7, column[0]);
        assertEquals(300 + 7, column[1], "a dense weight is [inputs, outputs]: channel 7 is column 7");
        int[] filter = ModelZoo.lenet5().parameter("conv2.weight").channelPositions(3);
        assertEquals(3 * filter.length, filter[0], "a convolution's channel is one filter, contiguous");
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
