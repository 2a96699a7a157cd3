package io.github.lc4j.core;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The nets of the LC papers, for 28×28 single-channel images and 10 classes. */
public final class ModelZoo {
    private static final Map<String, Supplier<ModelSpec>> MODELS = new TreeMap<>(Map.of(
            "lenet300", ModelZoo::lenet300Tanh,
            "lenet300-relu", ModelZoo::lenet300Relu,
            "lenet5", ModelZoo::lenet5));

    private ModelZoo() {}

    /** LeNet300 as in the paper: 784-300-100-10 with tanh. */
    public static ModelSpec lenet300Tanh() {
        return lenet300("lenet300", Layer.tanh());
    }

    /** LeNet300 with ReLU. */
    public static ModelSpec lenet300Relu() {
        return lenet300("lenet300-relu", Layer.relu());
    }

    private static ModelSpec lenet300(String name, Layer activation) {
        return ModelSpec.of(
                name,
                new int[] {1, 28, 28},
                List.of(
                        Layer.flatten(),
                        Layer.dense("fc1", 300),
                        activation,
                        Layer.dense("fc2", 100),
                        activation,
                        Layer.dense("fc3", 10)));
    }

    /** LeNet5 (Caffe variant): conv 20@5×5, pool 2, conv 50@5×5, pool 2, dense 800-500-10, ReLU. */
    public static ModelSpec lenet5() {
        return ModelSpec.of(
                "lenet5",
                new int[] {1, 28, 28},
                List.of(
                        Layer.conv2d("conv1", 20, 5, 1, 0),
                        Layer.maxPool(2, 2),
                        Layer.conv2d("conv2", 50, 5, 1, 0),
                        Layer.maxPool(2, 2),
                        Layer.flatten(),
                        Layer.dense("fc1", 500),
                        Layer.relu(),
                        Layer.dense("fc2", 10)));
    }

    /** Returns the model called {@code name}, or throws listing the known names. */
    public static ModelSpec byName(String name) {
        Supplier<ModelSpec> model = MODELS.get(name);
        if (model == null) {
            throw new InvalidInputException("unknown model '" + name + "'; known models are " + MODELS.keySet());
        }
        return model.get();
    }

    /** Returns the known model names. */
    public static java.util.Set<String> names() {
        return MODELS.keySet();
    }
}
