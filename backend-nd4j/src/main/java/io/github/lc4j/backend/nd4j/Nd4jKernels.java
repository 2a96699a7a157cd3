package io.github.lc4j.backend.nd4j;

import static io.github.lc4j.api.support.Checks.checkArgument;

import io.github.lc4j.api.spi.CStepKernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The C step's per-weight kernels as ND4J operations. Comparisons and the multiplier update run
 * in double, as the reference does, so assignments and reconstructions are identical and
 * multipliers agree to the rounding of one float.
 */
final class Nd4jKernels implements CStepKernels {
    @Override
    public void assign(float[] x, float[] codebook, int[] assignments) {
        checkArgument(
                assignments.length == x.length,
                "assignments have %d slots for %d values",
                assignments.length,
                x.length);
        double[] midpoints = CStepKernels.midpoints(codebook);
        try (INDArray values = Nd4j.createFromArray(x).castTo(DataType.DOUBLE);
                INDArray index = Nd4j.zeros(DataType.INT32, x.length)) {
            for (double midpoint : midpoints) {
                index.addi(values.gt(midpoint).castTo(DataType.INT32));
            }
            int[] result = index.toIntVector();
            System.arraycopy(result, 0, assignments, 0, result.length);
        }
    }

    @Override
    public void reconstruct(int[] assignments, float[] codebook, float[] quantized) {
        checkArgument(
                assignments.length == quantized.length,
                "output has %d slots for %d assignments",
                quantized.length,
                assignments.length);
        try (INDArray table = Nd4j.createFromArray(codebook)) {
            float[] result = Nd4j.pullRows(table.reshape(codebook.length, 1), 1, assignments)
                    .data()
                    .asFloat();
            System.arraycopy(result, 0, quantized, 0, result.length);
        }
    }

    @Override
    public void updateMultipliers(float[] multipliers, float[] weights, float[] quantized, double mu) {
        checkArgument(
                multipliers.length == weights.length && weights.length == quantized.length,
                "multiplier update needs equal lengths, got %d, %d, %d",
                multipliers.length,
                weights.length,
                quantized.length);
        try (INDArray lambda = Nd4j.createFromArray(multipliers).castTo(DataType.DOUBLE);
                INDArray w = Nd4j.createFromArray(weights).castTo(DataType.DOUBLE);
                INDArray q = Nd4j.createFromArray(quantized).castTo(DataType.DOUBLE)) {
            float[] result =
                    lambda.subi(w.subi(q).muli(mu)).castTo(DataType.FLOAT).toFloatVector();
            System.arraycopy(result, 0, multipliers, 0, result.length);
        }
    }

    @Override
    public double distortion(float[] x, float[] quantized) {
        checkArgument(
                x.length == quantized.length,
                "distortion needs equal lengths, got %d and %d",
                x.length,
                quantized.length);
        try (INDArray a = Nd4j.createFromArray(x).castTo(DataType.DOUBLE);
                INDArray b = Nd4j.createFromArray(quantized).castTo(DataType.DOUBLE)) {
            INDArray difference = a.subi(b);
            return difference.mul(difference).sumNumber().doubleValue();
        }
    }
}
