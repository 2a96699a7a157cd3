package io.github.lc4j.core.zoo;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Nets for 28×28 single-channel images and 10 classes: the LC papers' LeNets (chains) and two
 * real architectures (graphs): a CIFAR-style ResNet-20 and a small MobileNetV2.
 */
public final class ModelZoo {
    private static final int[] IMAGE = {1, 28, 28};
    private static final int CLASSES = 10;

    private static final Map<String, Entry> MODELS = new LinkedHashMap<>();

    /** A zoo model with a one-line description for help texts. */
    private record Entry(Supplier<ModelSpec> model, String description) {}

    static {
        MODELS.put(
                "lenet300", new Entry(ModelZoo::lenet300Tanh, "784-300-100-10 dense net with tanh (the LC paper's)"));
        MODELS.put("lenet300-relu", new Entry(ModelZoo::lenet300Relu, "LeNet300 with ReLU"));
        MODELS.put("lenet5", new Entry(ModelZoo::lenet5, "Caffe LeNet5: two conv/pool stages, 800-500-10"));
        MODELS.put(
                "resnet20",
                new Entry(
                        ModelZoo::resnet20,
                        "CIFAR-style ResNet-20: 3 stages of 3 basic blocks, 16/32/64 channels, BatchNorm,"
                                + " projection shortcuts"));
        MODELS.put(
                "mobilenetv2-small",
                new Entry(
                        ModelZoo::mobilenetV2Small,
                        "MobileNetV2-style: inverted residuals, depthwise 3x3, ReLU6, linear bottlenecks"));
    }

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
                IMAGE,
                List.of(
                        Layer.flatten(),
                        Layer.dense("fc1", 300),
                        activation,
                        Layer.dense("fc2", 100),
                        activation,
                        Layer.dense("fc3", CLASSES)));
    }

    /** LeNet5 (Caffe variant): conv 20@5×5, pool 2, conv 50@5×5, pool 2, dense 800-500-10, ReLU. */
    public static ModelSpec lenet5() {
        return ModelSpec.of(
                "lenet5",
                IMAGE,
                List.of(
                        Layer.conv2d("conv1", 20, 5, 1, 0),
                        Layer.maxPool(2, 2),
                        Layer.conv2d("conv2", 50, 5, 1, 0),
                        Layer.maxPool(2, 2),
                        Layer.flatten(),
                        Layer.dense("fc1", 500),
                        Layer.relu(),
                        Layer.dense("fc2", CLASSES)));
    }

    /**
     * ResNet-20 as He et al. built it for CIFAR-10, on 1×28×28 input: a 3×3 stem of 16 channels,
     * three stages of three basic blocks with 16, 32 and 64 channels (the second and third start
     * with stride 2 and a 1×1 projection shortcut), global average pooling and a dense layer.
     * 28×28 maps become 14×14 and 7×7.
     */
    public static ModelSpec resnet20() {
        ModelSpec.Builder builder = ModelSpec.builder("resnet20", IMAGE);
        String x = Blocks.convBatchNormRelu(builder, "stem", ModelSpec.INPUT, 16, 3, 1);
        int channels = 16;
        int[] widths = {16, 32, 64};
        for (int stage = 0; stage < widths.length; stage++) {
            for (int block = 0; block < 3; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                x = Blocks.basicBlock(
                        builder, "s" + (stage + 1) + "b" + (block + 1), x, channels, widths[stage], stride);
                channels = widths[stage];
            }
        }
        return Blocks.classifierHead(builder, x, CLASSES).build();
    }

    /**
     * A small MobileNetV2 on 1×28×28 input: a 3×3 stem of 16 channels with stride 2 (14×14), then
     * inverted residuals with expansion 4 — 16→16 (residual), 16→24 stride 2 (7×7), 24→24
     * (residual), 24→32 — a 1×1 convolution to 64 channels, global average pooling and a dense
     * layer.
     */
    public static ModelSpec mobilenetV2Small() {
        ModelSpec.Builder builder = ModelSpec.builder("mobilenetv2-small", IMAGE);
        String x = Blocks.convBatchNormRelu6(builder, "stem", ModelSpec.INPUT, 16, 3, 2);
        x = Blocks.invertedResidual(builder, "ir1", x, 16, 16, 4, 1);
        x = Blocks.invertedResidual(builder, "ir2", x, 16, 24, 4, 2);
        x = Blocks.invertedResidual(builder, "ir3", x, 24, 24, 4, 1);
        x = Blocks.invertedResidual(builder, "ir4", x, 24, 32, 4, 1);
        x = Blocks.convBatchNormRelu6(builder, "head", x, 64, 1, 1);
        return Blocks.classifierHead(builder, x, CLASSES).build();
    }

    /** Returns the model called {@code name}, or throws listing the known names. */
    public static ModelSpec byName(String name) {
        Entry entry = MODELS.get(name);
        if (entry == null) {
            throw new InvalidInputException("unknown model '" + name + "'; known models are " + MODELS.keySet());
        }
        return entry.model().get();
    }

    /** Returns the known model names, in the order help texts list them. */
    public static Set<String> names() {
        return java.util.Collections.unmodifiableSet(MODELS.keySet());
    }

    /** Returns one line per model, {@code name: description}, for help texts. */
    public static String describe() {
        StringBuilder text = new StringBuilder();
        MODELS.forEach((name, entry) ->
                text.append(name).append(": ").append(entry.description()).append('\n'));
        return text.toString();
    }
}
