package io.github.lc4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Vector API products against the plain loops: the same bits, on shapes with and without
 * whole vectors of columns, with zeros among A's values, overwriting and accumulating, on a range
 * of rows inside larger matrices. This module's tests run with {@code --add-modules
 * jdk.incubator.vector} (its pom), so {@link Gemm#multiplyRows} takes the vector path here; the
 * other modules' tests run the plain loops.
 */
class GemmTest {
    @ParameterizedTest
    @CsvSource({
        "128, 784, 300",
        "784, 128, 300",
        "128, 100, 10",
        "7, 3, 1",
        "5, 17, 15",
        "9, 130, 16",
        "16, 150, 64",
        "6, 25, 576",
        "33, 260, 95"
    })
    void theVectorPathGivesThePlainLoopsBits(int rows, int depth, int width) {
        assertTrue(Gemm.VECTOR, "this module's tests must run with --add-modules jdk.incubator.vector");
        Random random = new Random(rows * 31L + depth * 7L + width);
        int aOffset = 3;
        int cOffset = 5;
        float[] a = new float[aOffset + (rows + 2) * depth];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextFloat() < 0.3f ? 0f : (float) random.nextGaussian();
        }
        float[] bValues = new float[depth * width];
        for (int i = 0; i < bValues.length; i++) {
            bValues[i] = (float) random.nextGaussian();
        }
        float[][] b = Gemm.rows(null, bValues, 0, depth, width);
        float[] initial = new float[cOffset + (rows + 2) * width];
        for (int i = 0; i < initial.length; i++) {
            initial[i] = (float) random.nextGaussian();
        }
        // rows [1, rows + 1) of larger matrices: the first and last rows of C must stay untouched
        for (boolean accumulate : new boolean[] {false, true}) {
            float[] expected = initial.clone();
            float[] actual = initial.clone();
            Gemm.plainMultiplyRows(a, aOffset, b, expected, cOffset, 1, rows + 1, depth, width, accumulate, 0);
            Gemm.multiplyRows(a, aOffset, b, actual, cOffset, 1, rows + 1, depth, width, accumulate);
            assertArrayEquals(expected, actual, rows + "x" + depth + "x" + width + ", accumulate " + accumulate);
            assertTrue(
                    java.util.Arrays.equals(initial, 0, cOffset + width, actual, 0, cOffset + width),
                    "the row before the range was written");
        }
    }
}
