package io.github.lc4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.spi.Batch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The user's values check their input and name what is wrong; shapes and parameters follow the layers. */
class ValueTypesTest {
    static final ModelSpec DENSE =
            ModelSpec.of("dense", new int[] {6}, List.of(Layer.dense("d1", 5), Layer.tanh(), Layer.dense("d2", 3)));

    @Test
    void emptyBatchIsRejected() {
        assertThrows(InvalidInputException.class, () -> new Batch(new float[0], new int[0]));
    }

    @Test
    void nonFiniteWeightsAreRejectedNamingTheParameter() {
        Map<String, float[]> values = new LinkedHashMap<>();
        DENSE.parameters().forEach(parameter -> values.put(parameter.name(), new float[parameter.size()]));
        values.get("d2.weight")[3] = Float.NaN;
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> Weights.of(DENSE, values));
        assertTrue(
                error.getMessage().contains("d2.weight") && error.getMessage().contains("index 3"), error.getMessage());
    }

    @Test
    void shapesAndParametersFollowTheLayers() {
        ModelSpec conv = ModelSpec.of(
                "conv",
                new int[] {2, 7, 7},
                List.of(
                        Layer.conv2d("c1", 3, 3, 2, 1),
                        Layer.relu(),
                        Layer.maxPool(2, 2),
                        Layer.flatten(),
                        Layer.dense("d", 4)));
        assertArrayEquals(new int[] {3, 4, 4}, conv.activationShapes().get(0));
        assertArrayEquals(new int[] {3, 2, 2}, conv.activationShapes().get(2));
        assertArrayEquals(new int[] {12}, conv.activationShapes().get(3));
        assertArrayEquals(new int[] {3, 2, 3, 3}, conv.parameter("c1.weight").shape());
        assertArrayEquals(new int[] {12, 4}, conv.parameter("d.weight").shape());
        assertArrayEquals(new boolean[] {false, true, true, true, true}, conv.inputGradientNeeded());
        assertEquals(3 * 2 * 9 + 3 + 12 * 4 + 4, conv.parameterCount());
    }

    @Test
    void aLayerThatDoesNotFitIsNamed() {
        IllegalArgumentException error = assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.of("bad", new int[] {2, 7, 7}, List.of(Layer.dense("d", 4))));
        assertTrue(
                error.getMessage().contains("layer 0") && error.getMessage().contains("add a flatten"),
                error.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.of("dup", new int[] {4}, List.of(Layer.dense("d", 4), Layer.dense("d", 2))));
    }

    @Test
    void everyLayerAndCodebookTypeReachesItsOwnVisitMethod() {
        Layer.Visitor<String> names = new Layer.Visitor<>() {
            @Override
            public String dense(Layer.Dense layer) {
                return "dense";
            }

            @Override
            public String conv2d(Layer.Conv2d layer) {
                return "conv2d";
            }

            @Override
            public String maxPool2d(Layer.MaxPool2d layer) {
                return "maxPool2d";
            }

            @Override
            public String relu(Layer.Relu layer) {
                return "relu";
            }

            @Override
            public String tanh(Layer.Tanh layer) {
                return "tanh";
            }

            @Override
            public String flatten(Layer.Flatten layer) {
                return "flatten";
            }
        };
        List<Layer> layers = List.of(
                Layer.dense("a", 1),
                Layer.conv2d("b", 1, 1, 1, 0),
                Layer.maxPool(1, 1),
                Layer.relu(),
                Layer.tanh(),
                Layer.flatten());
        assertEquals(
                List.of("dense", "conv2d", "maxPool2d", "relu", "tanh", "flatten"),
                layers.stream().map(layer -> layer.accept(names)).toList());
        assertEquals(Layer.class.getPermittedSubclasses().length, layers.size(), "a layer type is missing here");

        Codebook.Visitor<String> families = new Codebook.Visitor<>() {
            @Override
            public String adaptive(Codebook.Adaptive codebook) {
                return "adaptive";
            }

            @Override
            public String fixed(Codebook.Fixed codebook) {
                return "fixed";
            }

            @Override
            public String scaledFixed(Codebook.ScaledFixed codebook) {
                return "scaledFixed";
            }

            @Override
            public String partiallyFixed(Codebook.PartiallyFixed codebook) {
                return "partiallyFixed";
            }

            @Override
            public String choice(Codebook.Choice codebook) {
                return "choice";
            }
        };
        List<Codebook> codebooks = List.of(
                Codebook.adaptive(2),
                Codebook.binary(),
                Codebook.scaledTernary(),
                Codebook.partiallyFixed(2, 0f),
                Codebook.adaptiveChoice(1, 2, 4));
        assertEquals(
                List.of("adaptive", "fixed", "scaledFixed", "partiallyFixed", "choice"),
                codebooks.stream().map(codebook -> codebook.accept(families)).toList());
        assertEquals(Codebook.class.getPermittedSubclasses().length, codebooks.size(), "a codebook family is missing");
    }

    @Test
    void aLayersOutputShapeIsTheOneItsModelInfers() {
        ModelSpec lenet5 = ModelSpec.of(
                "small",
                new int[] {1, 28, 28},
                List.of(Layer.conv2d("conv", 6, 5, 2, 1), Layer.maxPool(3, 2), Layer.flatten(), Layer.dense("fc", 10)));
        int[] shape = {1, 28, 28};
        List<int[]> inferred = lenet5.activationShapes();
        for (int i = 0; i < lenet5.layers().size(); i++) {
            shape = ModelSpec.outputShape(lenet5.layers().get(i), shape);
            assertArrayEquals(inferred.get(i), shape, "layer " + i);
        }
        assertArrayEquals(
                new int[] {6, 13, 13}, ModelSpec.outputShape(Layer.conv2d("c", 6, 5, 2, 1), new int[] {1, 28, 28}));
        IllegalArgumentException error = assertThrows(
                IllegalArgumentException.class, () -> ModelSpec.outputShape(Layer.dense("fc", 3), new int[] {2, 4, 4}));
        assertTrue(error.getMessage().contains("add a flatten"), error.getMessage());
    }
}
