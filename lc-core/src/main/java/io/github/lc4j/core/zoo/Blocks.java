package io.github.lc4j.core.zoo;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.Window;

/**
 * Builders of the blocks real nets repeat. Each expands into plain graph nodes named after the
 * block ({@code s2b1.conv1}, {@code s2b1.shortcut}, ...) and returns the name of its output, so
 * that the result can be visited, trained on every backend and exported like any other graph.
 */
public final class Blocks {
    private Blocks() {}

    private static Op.Conv2d conv(int filters, int kernel, int stride, int groups) {
        return new Op.Conv2d(filters, Window.square(kernel, stride, kernel / 2), groups, false);
    }

    /** A bias-free convolution with "same" padding, then batch normalization; returns the BN's output. */
    public static String convBatchNorm(
            ModelSpec.Builder builder, String name, String input, int filters, int kernel, int stride, int groups) {
        String conv = builder.add(name, conv(filters, kernel, stride, groups), input);
        return builder.add(name + ".bn", Op.BatchNorm.defaults(), conv);
    }

    /** {@link #convBatchNorm} then ReLU. */
    public static String convBatchNormRelu(
            ModelSpec.Builder builder, String name, String input, int filters, int kernel, int stride) {
        String normalized = convBatchNorm(builder, name, input, filters, kernel, stride, 1);
        return builder.add(name + ".relu", new Op.Relu(), normalized);
    }

    /** {@link #convBatchNorm} then ReLU6. */
    public static String convBatchNormRelu6(
            ModelSpec.Builder builder, String name, String input, int filters, int kernel, int stride) {
        String normalized = convBatchNorm(builder, name, input, filters, kernel, stride, 1);
        return builder.add(name + ".relu6", Op.Clip.relu6(), normalized);
    }

    /**
     * A ResNet basic block: two 3×3 convolutions with batch normalization, the first with
     * {@code stride}; the shortcut is the input itself, or a 1×1 convolution with batch
     * normalization when the stride or the channel count changes; the sum goes through ReLU.
     */
    public static String basicBlock(
            ModelSpec.Builder builder, String name, String input, int inChannels, int outChannels, int stride) {
        String first = convBatchNormRelu(builder, name + ".conv1", input, outChannels, 3, stride);
        String second = convBatchNorm(builder, name + ".conv2", first, outChannels, 3, 1, 1);
        String shortcut = stride == 1 && inChannels == outChannels
                ? input
                : convBatchNorm(builder, name + ".shortcut", input, outChannels, 1, stride, 1);
        String sum = builder.add(name + ".add", new Op.Add(), second, shortcut);
        return builder.add(name + ".relu", new Op.Relu(), sum);
    }

    /**
     * A MobileNetV2 inverted residual: a 1×1 expansion to {@code expansion · inChannels} with ReLU6,
     * a depthwise 3×3 with {@code stride} and ReLU6, and a linear 1×1 bottleneck; the input is
     * added back when the stride is 1 and the channel count does not change.
     */
    public static String invertedResidual(
            ModelSpec.Builder builder,
            String name,
            String input,
            int inChannels,
            int outChannels,
            int expansion,
            int stride) {
        int hidden = inChannels * expansion;
        String expanded = convBatchNormRelu6(builder, name + ".expand", input, hidden, 1, 1);
        String depthwise = builder.add(
                name + ".dw.relu6",
                Op.Clip.relu6(),
                convBatchNorm(builder, name + ".dw", expanded, hidden, 3, stride, hidden));
        String projected = convBatchNorm(builder, name + ".project", depthwise, outChannels, 1, 1, 1);
        return stride == 1 && inChannels == outChannels
                ? builder.add(name + ".add", new Op.Add(), projected, input)
                : projected;
    }

    /** Global average pooling, flatten and a dense layer of class scores. */
    public static ModelSpec.Builder classifierHead(ModelSpec.Builder builder, String input, int classes) {
        String pooled = builder.add("pool", new Op.GlobalAveragePool(), input);
        String flat = builder.add("flatten", new Op.Flatten(), pooled);
        builder.add("fc", new Op.Dense(classes, true), flat);
        return builder;
    }
}
