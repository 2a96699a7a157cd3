package io.github.lc4j.core;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded initial weights, created in core so every backend starts from identical values:
 * Glorot-uniform weights U(−b, b), b = √(6 / (fan_in + fan_out)), zero biases, and batch
 * normalization as PyTorch starts it (scale 1, shift 0, running mean 0, running variance 1). Each
 * parameter draws from its own stream (seed and name), so adding a layer does not change the
 * others.
 */
public final class WeightInitializer {
    private WeightInitializer() {}

    /** Returns initial weights for {@code model} from {@code seed}. */
    public static Weights initialize(ModelSpec model, long seed) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (ParameterSpec parameter : model.parameters()) {
            float[] array = new float[parameter.size()];
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                int[] shape = parameter.shape();
                double fanIn;
                double fanOut;
                if (shape.length == 2) {
                    fanIn = shape[0];
                    fanOut = shape[1];
                } else {
                    double receptive = (double) shape[2] * shape[3];
                    fanIn = shape[1] * receptive;
                    fanOut = shape[0] * receptive;
                }
                double bound = Math.sqrt(6.0 / (fanIn + fanOut));
                SplittableRandom random = new SplittableRandom(seed ^ nameHash(parameter.name()));
                for (int i = 0; i < array.length; i++) {
                    array[i] = (float) ((2 * random.nextDouble() - 1) * bound);
                }
            } else if (parameter.role() == ParameterSpec.Role.SCALE
                    || parameter.role() == ParameterSpec.Role.RUNNING_VARIANCE) {
                java.util.Arrays.fill(array, 1f);
            }
            values.put(parameter.name(), array);
        }
        return Weights.of(model, values);
    }

    private static long nameHash(String name) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash;
    }
}
