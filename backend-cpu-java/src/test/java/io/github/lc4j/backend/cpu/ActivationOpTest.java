package io.github.lc4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The exp-based tanh against {@code Math.tanh} rounded to float. */
class ActivationOpTest {
    @Test
    void tanhIsMathTanhRoundedToFloat() {
        SplittableRandom random = new SplittableRandom(5);
        int differing = 0;
        int count = 2_000_000;
        for (int i = 0; i < count; i++) {
            // pre-activations over every scale: tiny, around the series' edge, the bulk, saturated
            float x = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-9, 2)));
            float expected = (float) Math.tanh(x);
            float actual = ActivationOp.tanh(x);
            if (actual != expected) {
                differing++;
                assertEquals(expected, actual, Math.ulp(expected), "tanh(" + x + ")");
            }
        }
        assertTrue(differing <= count / 100_000, differing + " of " + count + " values differ by an ulp");
    }

    @Test
    void tanhKeepsSignsZerosLimitsAndNaN() {
        for (float x : new float[] {
            0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-4f, -1e-4f, 9.99e-5f, 19.99f, 20f, -20f, 100f, -1e30f
        }) {
            assertEquals(
                    Float.floatToIntBits((float) Math.tanh(x)),
                    Float.floatToIntBits(ActivationOp.tanh(x)),
                    "tanh(" + x + ")");
        }
        assertEquals(1f, ActivationOp.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, ActivationOp.tanh(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(ActivationOp.tanh(Float.NaN)));
    }
}
