package io.github.lc4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GraphModelTest {

    /** input → c1 → bn → r1 ─┬→ c2 → sum → pool → flat → fc ; r1 is also the shortcut into sum. */
    private static ModelSpec residual() {
        ModelSpec.Builder b = ModelSpec.builder("res", new int[] {2, 6, 6});
        String c1 = b.add("c1", new Op.Conv2d(4, Window.square(3, 1, 1), 1, true), ModelSpec.INPUT);
        String bn = b.add("bn", Op.BatchNorm.defaults(), c1);
        String r1 = b.add("r1", new Op.Relu(), bn);
        String c2 = b.add("c2", new Op.Conv2d(4, Window.square(3, 1, 1), 1, false), r1);
        String sum = b.add("sum", new Op.Add(), c2, r1);
        String pool = b.add("pool", new Op.GlobalAveragePool(), sum);
        String flat = b.add("flat", new Op.Flatten(), pool);
        b.add("fc", new Op.Dense(3, true), flat);
        return b.build();
    }

    @Test
    void thePlanKnowsShapesConsumersGradientsAndLastUse() {
        ModelSpec model = residual();
        assertEquals(9, model.tensorCount());
        int r1 = model.tensorId("r1");
        assertArrayEquals(new int[] {3, 4}, model.consumers(r1), "r1 feeds c2 and the shortcut");
        assertEquals(4, model.lastUse(r1), "the add is the last reader of r1");
        assertEquals(model.steps().size(), model.lastUse(model.tensorCount() - 1), "the scores outlive every node");
        assertFalse(model.needsGradient(0), "the input needs no gradient");
        assertTrue(model.needsGradient(model.tensorId("c1")));
        assertArrayEquals(new int[] {4, 1, 1}, model.tensorShape(model.tensorId("pool")));
        ModelSpec.Step sum = model.steps().get(4);
        assertArrayEquals(new int[] {model.tensorId("c2"), r1}, sum.inputs());
        assertArrayEquals(new boolean[] {true, true}, sum.inputGradient());
        assertFalse(model.steps().get(0).needsInputGradient(0), "c1 reads the input");
        assertEquals(3, model.classCount());
    }

    @Test
    void runningStatisticsAreStoredButNotTrained() {
        ModelSpec model = residual();
        assertEquals("bn.running_mean", ParameterSpec.nameOf("bn", ParameterSpec.Role.RUNNING_MEAN));
        assertFalse(model.parameter("bn.running_var").trainable());
        assertTrue(model.parameter("bn.scale").trainable());
        assertEquals(
                List.of("c1.weight", "c1.bias", "bn.scale", "bn.shift", "c2.weight", "fc.weight", "fc.bias"),
                model.trainableParameters().stream().map(ParameterSpec::name).toList());
        assertEquals(model.trainableParameters().size() + 2, model.parameters().size());
        long stored = 4 * 2 * 9 + 4 + 4 * 4 + 4 * 4 * 9 + 4 * 3 + 3;
        assertEquals(stored, model.parameterCount(), "running statistics count as stored values");
        assertThrows(UnsupportedOperationException.class, model::layers, "a graph has no layers");
    }

    @Test
    void aChainExpandsIntoNodesWithTheSameParameterNames() {
        ModelSpec chain = ModelSpec.of(
                "chain",
                new int[] {1, 8, 8},
                List.of(
                        Layer.conv2d("conv", 2, 3, 1, 0),
                        Layer.relu(),
                        Layer.maxPool(2, 2),
                        Layer.flatten(),
                        Layer.dense("fc", 3)));
        assertEquals(
                List.of("conv", "relu1", "maxpool2", "flatten3", "fc"),
                chain.nodes().stream().map(Node::name).toList());
        assertEquals(
                List.of("conv.weight", "conv.bias", "fc.weight", "fc.bias"),
                chain.parameters().stream().map(ParameterSpec::name).toList());
        assertEquals(List.of("relu1"), chain.nodes().get(2).inputs());
        assertTrue(chain.isChain());
        ModelSpec clash = ModelSpec.of(
                "clash", new int[] {4}, List.of(Layer.dense("relu1", 4), Layer.relu(), Layer.dense("out", 2)));
        assertEquals("_relu1", clash.nodes().get(1).name(), "an unnamed layer never takes a named layer's name");
    }

    @Test
    void opsKnowTheirShapes() {
        Op.Conv2d dilated = new Op.Conv2d(6, new Window(3, 2, 2, 1, 1, 0, 0, 1, 1, 2), 2, false);
        assertArrayEquals(new int[] {6, 3, 4}, dilated.outputShape(List.of(new int[] {4, 6, 5})));
        assertArrayEquals(
                new int[] {6, 2, 3, 2},
                dilated.parameters(List.of(new int[] {4, 6, 5})).get(0).shape(),
                "a grouped weight reads channels / groups");
        assertEquals(1, dilated.parameters(List.of(new int[] {4, 6, 5})).size(), "no bias declared");
        assertArrayEquals(new int[] {3, 4, 4}, new Op.Mul().outputShape(List.of(new int[] {3, 1, 1}, new int[] {3, 4, 4
                })));
        assertArrayEquals(new int[] {5, 4, 4}, new Op.Concat().outputShape(List.of(new int[] {2, 4, 4}, new int[] {
                    3, 4, 4
                })));
        assertArrayEquals(
                new int[] {2, 3, 3},
                new Op.AveragePool(Window.square(3, 2, 1), false).outputShape(List.of(new int[] {2, 5, 5})));
        assertTrue(!dilated.depthwise(4) && new Op.Conv2d(4, Window.square(3, 1, 1), 4, false).depthwise(4));
    }

    @Test
    void badGraphsAreRefusedNamingTheNodeAndTheFix() {
        int[] image = {2, 4, 4};
        IllegalArgumentException unknown = assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.graph(
                        "m", image, List.of(Node.of("a", new Op.Relu(), "nope"), Node.of("f", new Op.Flatten(), "a"))));
        assertTrue(
                unknown.getMessage().contains("node a")
                        && unknown.getMessage().contains("'nope'")
                        && unknown.getMessage().contains("topological"),
                unknown.getMessage());
        IllegalArgumentException broadcast = assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.graph(
                        "m",
                        image,
                        List.of(
                                Node.of("c", new Op.Conv2d(3, Window.square(1, 1, 0), 1, true), ModelSpec.INPUT),
                                Node.of("s", new Op.Add(), "c", ModelSpec.INPUT))));
        assertTrue(broadcast.getMessage().contains("node s")
                && broadcast.getMessage().contains("[3, 4, 4]"));
        IllegalArgumentException unused = assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.graph(
                        "m",
                        new int[] {4},
                        List.of(
                                Node.of("dead", new Op.Dense(3, true), ModelSpec.INPUT),
                                Node.of("out", new Op.Dense(2, true), ModelSpec.INPUT))));
        assertTrue(unused.getMessage().contains("dead") && unused.getMessage().contains("never read"));
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.graph("m", new int[] {4}, List.of(Node.of("input", new Op.Dense(2, true), "input"))));
        IllegalArgumentException arity =
                assertThrows(IllegalArgumentException.class, () -> Node.of("s", new Op.Add(), "a"));
        assertTrue(arity.getMessage().contains("takes 2 inputs"), arity.getMessage());
        IllegalArgumentException groups = assertThrows(
                IllegalArgumentException.class,
                () -> new Op.Conv2d(4, Window.square(1, 1, 0), 3, true).outputShape(List.of(new int[] {4, 2, 2})));
        assertTrue(groups.getMessage().contains("divisible"), groups.getMessage());
        IllegalArgumentException pad = assertThrows(
                IllegalArgumentException.class,
                () -> new Op.MaxPool(Window.square(2, 1, 2)).outputShape(List.of(new int[] {1, 4, 4})));
        assertTrue(pad.getMessage().contains("smaller than the kernel"), pad.getMessage());
    }
}
