package io.github.lc4j.core.cstep;

import io.github.lc4j.api.spi.CStepKernels;

/**
 * A backend's C-step kernels with short vectors kept in the JVM. A native backend pays a fixed
 * cost per call (a TensorFlow session run, ND4J buffers) of tens of microseconds, while the
 * reference handles a few thousand values in that time; a C step per output channel, or STE's
 * C step after every minibatch, makes hundreds of such calls per step. The kernel contract makes
 * both paths give identical assignments and reconstructions, and multipliers within 1 ulp.
 */
public final class SmallVectorKernels implements CStepKernels {
    /** Vectors shorter than this run on the reference kernels. */
    public static final int OFFLOAD_MINIMUM = 32_768;

    private final CStepKernels backend;

    private SmallVectorKernels(CStepKernels backend) {
        this.backend = backend;
    }

    /** Returns {@code backend}'s kernels for long vectors and the reference for short ones. */
    public static CStepKernels around(CStepKernels backend) {
        if (backend == CStepKernels.DEFAULT || backend instanceof SmallVectorKernels) {
            return backend;
        }
        return new SmallVectorKernels(backend);
    }

    private CStepKernels forLength(int length) {
        return length < OFFLOAD_MINIMUM ? CStepKernels.DEFAULT : backend;
    }

    @Override
    public void assign(float[] x, float[] codebook, int[] assignments) {
        forLength(x.length).assign(x, codebook, assignments);
    }

    @Override
    public void reconstruct(int[] assignments, float[] codebook, float[] quantized) {
        forLength(assignments.length).reconstruct(assignments, codebook, quantized);
    }

    @Override
    public void updateMultipliers(float[] multipliers, float[] weights, float[] quantized, double mu) {
        forLength(weights.length).updateMultipliers(multipliers, weights, quantized, mu);
    }

    @Override
    public void shiftedWeights(float[] weights, float[] multipliers, double mu, float[] shifted) {
        forLength(weights.length).shiftedWeights(weights, multipliers, mu, shifted);
    }

    @Override
    public void penaltyTarget(float[] quantized, float[] multipliers, double mu, float[] target) {
        forLength(quantized.length).penaltyTarget(quantized, multipliers, mu, target);
    }

    @Override
    public double distortion(float[] x, float[] quantized) {
        return forLength(x.length).distortion(x, quantized);
    }

    @Override
    public String toString() {
        return backend + " (vectors under " + OFFLOAD_MINIMUM + " values: the reference)";
    }
}
