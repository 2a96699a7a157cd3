package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CodebookSpecsTest {
    @Test
    void everyFormParses() {
        assertEquals(Codebook.adaptive(4), CodebookSpecs.parse("adaptive", 4));
        assertEquals(Codebook.adaptive(8), CodebookSpecs.parse("adaptive:8", null));
        assertEquals(
                Codebook.adaptive(8, Codebook.Adaptive.Method.LLOYD), CodebookSpecs.parse("adaptive:8:lloyd", null));
        assertEquals(
                Codebook.adaptive(8, Codebook.Adaptive.Method.EXACT), CodebookSpecs.parse("adaptive:8:exact", null));
        assertEquals(
                "adaptive:8:lloyd",
                Codebook.adaptive(8, Codebook.Adaptive.Method.LLOYD).describe());
        assertEquals(Codebook.binary(), CodebookSpecs.parse("binary", null));
        assertEquals(Codebook.ternary(), CodebookSpecs.parse("ternary", null));
        assertEquals(Codebook.scaledBinary(), CodebookSpecs.parse("scaled-binary", null));
        assertEquals(Codebook.scaledTernary(), CodebookSpecs.parse("scaled-ternary", null));
        assertEquals(Codebook.powersOfTwo(3), CodebookSpecs.parse("pow2:3", null));
        assertEquals(Codebook.scaledPowersOfTwo(2), CodebookSpecs.parse("scaled-pow2:2", null));
        assertEquals(Codebook.fixed(-3, -1, 1, 3), CodebookSpecs.parse("fixed:3,-1,1,-3", null));
        assertEquals(Codebook.scaled(-3, -1, 1, 3), CodebookSpecs.parse("scaled:-3,-1,1,3", null));
        assertEquals(Codebook.partiallyFixed(2, 0), CodebookSpecs.parse("partial:0+2", null));
        assertEquals("partial:0+2", Codebook.partiallyFixed(2, 0).describe());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "adaptive",
                "adaptive:0",
                "adaptive:x",
                "kmeans:4",
                "binary:2",
                "pow2",
                "fixed:1,1",
                "fixed:a",
                "partial:0",
                "scaled:0",
                "pow2:99",
                "adaptive:4:fast",
                "adaptive:4:exact:x"
            })
    void badSpecsAreRejectedWithTheGrammar(String spec) {
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> CodebookSpecs.parse(spec, null));
        assertTrue(error.getMessage().contains("'" + spec + "'"), error.getMessage());
        assertTrue(error.getMessage().contains("adaptive[:K[:exact|lloyd]]"), error.getMessage());
    }

    @Test
    void kMustAgreeWithTheSpec() {
        assertThrows(InvalidInputException.class, () -> CodebookSpecs.parse("adaptive:4", 8));
        assertThrows(InvalidInputException.class, () -> CodebookSpecs.parse("adaptive", 0));
        assertThrows(InvalidInputException.class, () -> CodebookSpecs.parse("ternary", 2));
    }

    @Test
    void autoChoosesAmongSizesOrAmongSpecs() {
        assertEquals(Codebook.adaptiveChoice(2, 4, 8, 16), CodebookSpecs.parse("auto", null));
        assertEquals(Codebook.adaptiveChoice(2, 4), CodebookSpecs.parse("auto:2,4", null));
        Codebook.Choice scaled =
                Codebook.choice(Codebook.scaledBinary(), Codebook.scaledTernary(), Codebook.scaledPowersOfTwo(2));
        assertEquals(scaled, CodebookSpecs.parse("auto:scaled-binary|scaled-ternary|scaled-pow2:2", null));
        // what describe() writes parses back to the same choice
        assertEquals(scaled, CodebookSpecs.parse(scaled.describe(), null));
        assertEquals(Codebook.adaptiveChoice(1, 8), CodebookSpecs.parse("auto:1,8", null));
        for (String bad : new String[] {"auto:", "auto:2,2", "auto:auto|binary", "auto:binary|nope"}) {
            InvalidInputException error =
                    assertThrows(InvalidInputException.class, () -> CodebookSpecs.parse(bad, null), bad);
            assertTrue(error.getMessage().contains("'" + bad + "'"), error.getMessage());
        }
    }

    private static final ModelSpec NET = ModelSpec.of(
            "net",
            new int[] {1, 8, 8},
            List.of(
                    Layer.conv2d("conv", 4, 3, 1, 1),
                    Layer.relu(),
                    Layer.flatten(),
                    Layer.dense("fc1", 16),
                    Layer.tanh(),
                    Layer.dense("fc2", 10)));

    private static List<String> describe(List<CompressionTask> tasks) {
        return tasks.stream()
                .map(task -> task.name() + "=" + task.codebook().describe() + task.parameters())
                .toList();
    }

    @Test
    void aLayerCanStayFloatTakeItsOwnCodebookOrChoose() {
        List<CompressionTask> perLayer = CodebookSpecs.tasks(NET, Codebook.adaptive(2), "layer");
        Map<String, String> layers = new LinkedHashMap<>();
        layers.put("fc2", "float");
        layers.put("conv", "adaptive:8");
        layers.put("fc1", "auto:1,2,4");
        assertEquals(
                List.of("conv=adaptive:8[conv.weight]", "fc1=auto:1,2,4[fc1.weight]"),
                describe(CodebookSpecs.withLayers(NET, perLayer, layers, null)));
        // a shared codebook keeps the layers no override names
        List<CompressionTask> shared = CodebookSpecs.tasks(NET, Codebook.adaptive(4), "shared");
        assertEquals(
                List.of("shared=adaptive:4[conv.weight, fc2.weight]", "fc1=fixed:-1,0,1[fc1.weight]"),
                describe(CodebookSpecs.withLayers(NET, shared, Map.of("fc1", "ternary"), null)));
        // per channel stays per channel: fc2 has 10 output channels
        List<CompressionTask> channels = CodebookSpecs.withLayers(
                NET, CodebookSpecs.tasks(NET, Codebook.adaptive(2), "channel"), Map.of("fc2", "adaptive:4"), null);
        assertEquals(
                10,
                channels.stream()
                        .filter(task -> task.name().startsWith("fc2[")
                                && task.codebook().equals(Codebook.adaptive(4)))
                        .count());
        assertEquals(4 + 16 + 10, channels.size());
        // a bare adaptive takes K from --k
        assertEquals(
                Codebook.adaptive(3),
                CodebookSpecs.withLayers(NET, perLayer, Map.of("fc2", "adaptive"), 3)
                        .get(2)
                        .codebook());
    }

    @Test
    void anUnknownLayerOrABadSpecIsOneErrorThatListsTheLayers() {
        List<CompressionTask> perLayer = CodebookSpecs.tasks(NET, Codebook.adaptive(2), "layer");
        InvalidInputException unknown = assertThrows(
                InvalidInputException.class,
                () -> CodebookSpecs.withLayers(NET, perLayer, Map.of("fc3", "float"), null));
        assertTrue(unknown.getMessage().contains("'fc3'"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("conv, fc1, fc2"), unknown.getMessage());
        InvalidInputException bad = assertThrows(
                InvalidInputException.class,
                () -> CodebookSpecs.withLayers(NET, perLayer, Map.of("fc1", "adaptve:2"), null));
        assertTrue(bad.getMessage().contains("--layer fc1=adaptve:2"), bad.getMessage());
        assertTrue(bad.getMessage().contains("'float'"), bad.getMessage());
        Map<String, String> allFloat = Map.of("conv", "float", "fc1", "float", "fc2", "float");
        InvalidInputException none = assertThrows(
                InvalidInputException.class, () -> CodebookSpecs.withLayers(NET, perLayer, allFloat, null));
        assertTrue(none.getMessage().contains("no layer to compress"), none.getMessage());
    }
}
