package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A weight file's shape is checked against its parameter, so a transposed weight never loads silently. */
class ReadParameterTest {
    /** fc: 3 inputs, 2 outputs; lc4j stores its weight [3, 2]. */
    private static final ModelSpec NET = ModelSpec.of("net", new int[] {3}, List.of(Layer.dense("fc", 2)));

    @TempDir
    Path folder;

    @Test
    void aPyTorchLinearWeightIsRefusedInLc4jsLayoutAndTransposedInPyTorchs() {
        // PyTorch's nn.Linear(3, 2).weight is [2, 3]: row o holds output o's weights
        float[] pytorch = {1, 2, 3, 4, 5, 6};
        Path file = folder.resolve("fc.weight.npy");
        Lc4j.writeArray(file, new int[] {2, 3}, pytorch);

        InvalidInputException refused = assertThrows(
                InvalidInputException.class, () -> Lc4j.readParameter(file, NET, "fc.weight", Lc4j.Layout.LC4J));
        assertTrue(
                refused.getMessage().contains("[2, 3]") && refused.getMessage().contains("[3, 2]"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("Layout.PYTORCH"), refused.getMessage());

        // lc4j's [inputs, outputs]: element (i, o) is PyTorch's (o, i)
        assertArrayEquals(
                new float[] {1, 4, 2, 5, 3, 6}, Lc4j.readParameter(file, NET, "fc.weight", Lc4j.Layout.PYTORCH));
    }

    @Test
    void aFileInLc4jsLayoutLoadsAsItIsAndAnyOtherShapeIsNamed() {
        float[] lc4j = {1, 2, 3, 4, 5, 6};
        Path file = folder.resolve("w.npy");
        Lc4j.writeArray(file, new int[] {3, 2}, lc4j);
        assertArrayEquals(lc4j, Lc4j.readParameter(file, NET, "fc.weight", Lc4j.Layout.LC4J));

        Path flat = folder.resolve("flat.npy");
        Lc4j.writeArray(flat, new int[] {6}, lc4j);
        InvalidInputException wrong = assertThrows(
                InvalidInputException.class, () -> Lc4j.readParameter(flat, NET, "fc.weight", Lc4j.Layout.PYTORCH));
        assertTrue(wrong.getMessage().contains("[6]") && wrong.getMessage().contains("[2, 3]"), wrong.getMessage());
        assertTrue(!wrong.getMessage().contains("transposed"), wrong.getMessage());
        // biases are one-dimensional in both layouts
        Path bias = folder.resolve("b.npy");
        Lc4j.writeArray(bias, new int[] {2}, new float[] {7, 8});
        assertArrayEquals(new float[] {7, 8}, Lc4j.readParameter(bias, NET, "fc.bias", Lc4j.Layout.PYTORCH));
    }
}
