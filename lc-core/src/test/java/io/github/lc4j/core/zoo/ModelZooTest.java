package io.github.lc4j.core.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Op;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Window;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelZooTest {

    private static long count(ModelSpec model, Class<? extends Op> type) {
        return model.nodes().stream().filter(node -> type.isInstance(node.op())).count();
    }

    @Test
    void resnet20HasNineteenConvolutionsADenseLayerAndTwoProjectionShortcuts() {
        ModelSpec model = ModelZoo.byName("resnet20");
        assertEquals(19 + 2, count(model, Op.Conv2d.class), "19 3x3 convolutions and 2 projections");
        assertEquals(1, count(model, Op.Dense.class));
        assertEquals(9, count(model, Op.Add.class), "one shortcut per basic block");
        assertEquals(count(model, Op.Conv2d.class), count(model, Op.BatchNorm.class), "BN after every convolution");
        assertArrayEquals(new int[] {64, 7, 7}, model.tensorShape(model.tensorId("s3b3.relu")));
        assertArrayEquals(new int[] {32, 14, 14}, model.tensorShape(model.tensorId("s2b1.shortcut.bn")));
        long weights = model.parameters().stream()
                .filter(parameter -> parameter.role() == ParameterSpec.Role.WEIGHT)
                .mapToLong(ParameterSpec::size)
                .sum();
        // He et al.'s ResNet-20 has 0.27M parameters; ours reads one channel instead of three and has
        // projection shortcuts instead of zero padding
        // stem 144, stage 1: 6·2,304, stage 2: 4,608 + 5·9,216 + 512, stage 3: 18,432 + 5·36,864 + 2,048, fc 640
        assertEquals(270_608, weights);
        assertEquals(10, model.classCount());
    }

    @Test
    void mobilenetV2SmallHasDepthwiseConvolutionsReluSixAndLinearBottlenecks() {
        ModelSpec model = ModelZoo.byName("mobilenetv2-small");
        List<Op.Conv2d> depthwise = model.steps().stream()
                .filter(step -> step.op() instanceof Op.Conv2d conv && conv.depthwise(step.inputShape(0)[0]))
                .map(step -> (Op.Conv2d) step.op())
                .toList();
        assertEquals(4, depthwise.size(), "one depthwise 3x3 per inverted residual");
        assertTrue(depthwise.stream().anyMatch(conv -> conv.window().strideHeight() == 2), "a strided depthwise");
        assertEquals(2, count(model, Op.Add.class), "the two blocks that keep shape add their input back");
        assertTrue(count(model, Op.Clip.class) >= 9, "ReLU6 after stem, expansions, depthwise and head");
        assertTrue(
                model.nodes().stream()
                        .filter(node -> node.name().endsWith(".project.bn"))
                        .allMatch(node -> model.consumers(model.tensorId(node.name())).length >= 1
                                && model.nodes().stream()
                                        .noneMatch(other -> other.op() instanceof Op.Clip
                                                && other.inputs().contains(node.name()))),
                "the bottleneck is linear: no activation after a projection");
    }

    /** The README's graph example, as it stands there. */
    @Test
    void theReadmesGraphExampleBuilds() throws java.io.IOException {
        ModelSpec.Builder b = ModelSpec.builder("tiny-resnet", new int[] {1, 28, 28});
        String x = Blocks.convBatchNormRelu(b, "stem", ModelSpec.INPUT, 16, 3, 1);
        x = Blocks.basicBlock(b, "block1", x, 16, 32, 2); // 3x3 convs, BN, a 1x1 projection shortcut, Add
        String se = b.add("squeeze", new Op.GlobalAveragePool(), x); // a squeeze-excitation gate by hand
        se = b.add("gate", new Op.Sigmoid(), b.add("excite", new Op.Conv2d(32, Window.square(1, 1, 0), 1, true), se));
        x = b.add("scaled", new Op.Mul(), x, se); // [32,14,14] times [32,1,1]
        ModelSpec model = Blocks.classifierHead(b, x, 10).build(); // global pooling, flatten, dense
        assertArrayEquals(new int[] {32, 14, 14}, model.tensorShape(model.tensorId("scaled")));
        assertEquals(10, model.classCount());
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        assertTrue(
                readme.contains("se = b.add(\"gate\", new Op.Sigmoid(), b.add(\"excite\", new Op.Conv2d(32,"
                        + " Window.square(1, 1, 0), 1, true), se));"),
                "README.md's graph example changed: update this test with it");
    }

    @Test
    void everyZooModelBuildsAndUnknownNamesAreListed() {
        for (String name : ModelZoo.names()) {
            assertEquals(name, ModelZoo.byName(name).name());
            assertTrue(ModelZoo.describe().contains(name + ": "), name + " is described");
        }
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> ModelZoo.byName("resnet21"));
        assertTrue(error.getMessage().contains("resnet20"), error.getMessage());
    }
}
