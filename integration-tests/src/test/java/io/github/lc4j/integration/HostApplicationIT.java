package io.github.lc4j.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.model.WeightInitializer;
import io.github.lc4j.examples.QuantizeMyModel;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding example end to end: .npy weights in, LC through the Java API, quantized .npy out. */
class HostApplicationIT {
    @Test
    void exampleQuantizesItsOwnModel(@TempDir Path folder) {
        ModelSpec model = QuantizeMyModel.model();
        Weights trained = Lc4j.create()
                .train(
                        "cpu-java",
                        model,
                        WeightInitializer.initialize(model, 1),
                        DataSets.embeddedFashionMnist(),
                        OptimizerSpec.builder().optBatchSize(128).build(),
                        1,
                        1,
                        LcListener.NONE);
        QuantizeMyModel.writeWeights(model, trained, folder.resolve("weights"));

        LcResult result = QuantizeMyModel.run(folder.resolve("weights"), folder.resolve("quantized"), 4);
        Weights written = QuantizeMyModel.readWeights(model, folder.resolve("quantized"));
        assertEquals(result.quantized(), written, "the written .npy files hold the quantized net");
        for (ParameterSpec parameter : model.parameters()) {
            Set<Float> distinct = new HashSet<>();
            for (float value : written.get(parameter.name())) {
                distinct.add(value);
            }
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                assertEquals(4, distinct.size(), parameter.name());
            }
        }
        assertEquals(7, result.history().size(), "DC plus six LC iterations");
        assertTrue(
                result.last().test().errorRate() < 0.5,
                "quantized error " + result.last().test().errorRate());
    }
}
