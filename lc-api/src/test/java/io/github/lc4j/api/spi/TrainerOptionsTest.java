package io.github.lc4j.api.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.OptimizerSpec;
import org.junit.jupiter.api.Test;

class TrainerOptionsTest {

    @Test
    void momentumThatRoundsToOneInFloatIsRefused() {
        double nearOne = 1 - 1e-9; // below 1 as a double, exactly 1 as the float trainers use
        IllegalArgumentException options =
                assertThrows(IllegalArgumentException.class, () -> new TrainerOptions(nearOne, false));
        assertTrue(options.getMessage().contains("float precision"), options.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> OptimizerSpec.builder().optMomentum(nearOne));
        new TrainerOptions(0.999999, true); // representable below 1: accepted
    }

    @Test
    void aRangeUpdateEqualsTheWholeUpdateOnItsElements() {
        TrainerOptions nesterov = new TrainerOptions(0.9, true);
        float[] w1 = {1, 2, 3, 4};
        float[] g = {0.5f, -1, 2, 0.25f};
        float[] v1 = {0.1f, 0.2f, -0.3f, 0};
        float[] w2 = w1.clone();
        float[] v2 = v1.clone();
        nesterov.update(w1, g, v1, 0.1f);
        nesterov.update(w2, g, v2, 0.1f, 0, 2);
        nesterov.update(w2, g, v2, 0.1f, 2, 4);
        assertArrayEquals(w1, w2);
        assertArrayEquals(v1, v2);
    }

    @Test
    void theProximalStepWithMomentumStopsWhereTheExplicitStepWould() {
        // constant loss gradient g: the fixed point of any stable step on L + μ/2‖w − t‖² is t − g/μ
        for (TrainerOptions options : new TrainerOptions[] {
            TrainerOptions.plainSgd(), new TrainerOptions(0.9, false), new TrainerOptions(0.9, true)
        }) {
            for (double mu : new double[] {0.5, 3, 1e4}) {
                float[] w = {5};
                float[] v = {0};
                float[] g = {2};
                float[] t = {1};
                float lr = 0.1f;
                float pull = (float) options.penaltyPull(lr, mu);
                for (int step = 0; step < 3000; step++) {
                    options.update(w, g, v, lr);
                    TrainerOptions.pullTowardTarget(w, t, pull, 0, 1);
                    assertTrue(Float.isFinite(w[0]), options + " μ=" + mu + " diverged at step " + step);
                }
                assertEquals(1 - 2 / mu, w[0], 1e-4 * Math.max(1, 2 / mu), options + " μ=" + mu);
            }
        }
    }

    @Test
    void withoutAPenaltyThePullIsZero() {
        TrainerOptions nesterov = new TrainerOptions(0.9, true);
        assertEquals(0, nesterov.penaltyPull(0.1, 0));
        assertEquals(0, nesterov.penaltyPull(0, 5));
        double pull = nesterov.penaltyPull(0.1, 1e4);
        assertTrue(pull > 0.9999 && pull < 1, "pull " + pull);
    }
}
