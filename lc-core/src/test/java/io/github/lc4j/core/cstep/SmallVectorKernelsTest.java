package io.github.lc4j.core.cstep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.github.lc4j.api.spi.CStepKernels;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Short vectors stay on the reference kernels; long ones reach the backend's, with the same results. */
class SmallVectorKernelsTest {
    /** A backend's kernels that compute like the reference and record every call's length. */
    private static final class RecordingKernels implements CStepKernels {
        final List<Integer> lengths = new ArrayList<>();

        @Override
        public void assign(float[] x, float[] codebook, int[] assignments) {
            lengths.add(x.length);
            CStepKernels.super.assign(x, codebook, assignments);
        }

        @Override
        public void reconstruct(int[] assignments, float[] codebook, float[] quantized) {
            lengths.add(assignments.length);
            CStepKernels.super.reconstruct(assignments, codebook, quantized);
        }

        @Override
        public void updateMultipliers(float[] multipliers, float[] weights, float[] quantized, double mu) {
            lengths.add(weights.length);
            CStepKernels.super.updateMultipliers(multipliers, weights, quantized, mu);
        }

        @Override
        public void shiftedWeights(float[] weights, float[] multipliers, double mu, float[] shifted) {
            lengths.add(weights.length);
            CStepKernels.super.shiftedWeights(weights, multipliers, mu, shifted);
        }

        @Override
        public void penaltyTarget(float[] quantized, float[] multipliers, double mu, float[] target) {
            lengths.add(quantized.length);
            CStepKernels.super.penaltyTarget(quantized, multipliers, mu, target);
        }

        @Override
        public double distortion(float[] x, float[] quantized) {
            lengths.add(x.length);
            return CStepKernels.super.distortion(x, quantized);
        }
    }

    private static float[] random(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private static void runEveryKernel(CStepKernels kernels, int n) {
        float[] x = random(n, n);
        float[] multipliers = random(n, n + 1);
        float[] codebook = {-1, 0, 1};
        int[] assignments = new int[n];
        float[] quantized = new float[n];
        float[] out = new float[n];
        kernels.assign(x, codebook, assignments);
        kernels.reconstruct(assignments, codebook, quantized);
        kernels.shiftedWeights(x, multipliers, 0.5, out);
        kernels.penaltyTarget(quantized, multipliers, 0.5, out);
        kernels.updateMultipliers(multipliers, x, quantized, 0.5);
        kernels.distortion(x, quantized);
    }

    @Test
    void shortVectorsNeverReachTheBackend() {
        RecordingKernels backend = new RecordingKernels();
        runEveryKernel(SmallVectorKernels.around(backend), SmallVectorKernels.OFFLOAD_MINIMUM - 1);
        assertEquals(List.of(), backend.lengths);
    }

    @Test
    void longVectorsReachTheBackendForEveryKernel() {
        RecordingKernels backend = new RecordingKernels();
        int n = SmallVectorKernels.OFFLOAD_MINIMUM;
        runEveryKernel(SmallVectorKernels.around(backend), n);
        assertEquals(List.of(n, n, n, n, n, n), backend.lengths);
    }

    @Test
    void bothPathsGiveTheReferenceResults() {
        for (int n : new int[] {1000, SmallVectorKernels.OFFLOAD_MINIMUM + 5}) {
            float[] x = random(n, 7);
            float[] codebook = {-0.5f, 0.25f, 1};
            int[] expected = new int[n];
            int[] actual = new int[n];
            CStepKernels.DEFAULT.assign(x, codebook, expected);
            SmallVectorKernels.around(new RecordingKernels()).assign(x, codebook, actual);
            assertArrayEquals(expected, actual);
        }
    }

    @Test
    void theReferenceAndAWrappedBackendAreNotWrappedAgain() {
        assertSame(CStepKernels.DEFAULT, SmallVectorKernels.around(CStepKernels.DEFAULT));
        CStepKernels wrapped = SmallVectorKernels.around(new RecordingKernels());
        assertSame(wrapped, SmallVectorKernels.around(wrapped));
    }
}
