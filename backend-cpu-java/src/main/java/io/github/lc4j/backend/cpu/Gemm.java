package io.github.lc4j.backend.cpu;

/**
 * Row-major matrix products written as axpy loops over rows, the form C2's superword pass
 * vectorises without extra flags: C[i,:] += A[i,p] · B[p,:]. C2 (JDK 17) vectorises
 * {@code y[j] += s * x[j]} only when both arrays are indexed from 0 (with offsets into arrays it
 * cannot rule out an overlap), so B comes as one array per row and each row of C is summed in a
 * 0-based scratch row: 4–5× faster than the same loop on offsets, and bit for bit the same sums.
 * Zero entries of A (ReLU outputs, padding) are skipped.
 */
final class Gemm {
    private Gemm() {}

    /** The rows of the [rows, width] matrix at {@code offset} in {@code matrix}, each its own array. */
    static float[][] rows(float[] matrix, int offset, int rows, int width) {
        float[][] result = new float[rows][width];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(matrix, offset + row * width, result[row], 0, width);
        }
        return result;
    }

    /**
     * For rows i in [rowFrom, rowTo): C[i,:] (+)= Σ_p A[i,p] · B[p,:], with A of shape
     * [·, depth] at {@code aOffset}, B's {@code depth} rows of {@code width} (see {@link #rows}) and C
     * of shape [·, width] at {@code cOffset}. Without {@code accumulate} the rows of C are overwritten.
     */
    static void multiplyRows(
            float[] a,
            int aOffset,
            float[][] b,
            float[] c,
            int cOffset,
            int rowFrom,
            int rowTo,
            int depth,
            int width,
            boolean accumulate) {
        float[] sum0 = new float[width];
        float[] sum1 = new float[width];
        float[] sum2 = new float[width];
        float[] sum3 = new float[width];
        int i = rowFrom;
        // four rows of C at a time: each row of B, once loaded, feeds four sums (a quarter of the
        // memory traffic of one row at a time); every element still sums its products in p order
        for (; i + 4 <= rowTo; i += 4) {
            int aRow = aOffset + i * depth;
            start(c, cOffset + i * width, sum0, width, accumulate);
            start(c, cOffset + (i + 1) * width, sum1, width, accumulate);
            start(c, cOffset + (i + 2) * width, sum2, width, accumulate);
            start(c, cOffset + (i + 3) * width, sum3, width, accumulate);
            for (int p = 0; p < depth; p++) {
                float s0 = a[aRow + p];
                float s1 = a[aRow + depth + p];
                float s2 = a[aRow + 2 * depth + p];
                float s3 = a[aRow + 3 * depth + p];
                float[] row = b[p];
                if (s0 != 0f && s1 != 0f && s2 != 0f && s3 != 0f) {
                    for (int j = 0; j < width; j++) {
                        float value = row[j];
                        sum0[j] += s0 * value;
                        sum1[j] += s1 * value;
                        sum2[j] += s2 * value;
                        sum3[j] += s3 * value;
                    }
                } else {
                    // a zero (a ReLU output, padding) is skipped, as the one-row loop skips it
                    addScaled(s0, row, sum0, width);
                    addScaled(s1, row, sum1, width);
                    addScaled(s2, row, sum2, width);
                    addScaled(s3, row, sum3, width);
                }
            }
            System.arraycopy(sum0, 0, c, cOffset + i * width, width);
            System.arraycopy(sum1, 0, c, cOffset + (i + 1) * width, width);
            System.arraycopy(sum2, 0, c, cOffset + (i + 2) * width, width);
            System.arraycopy(sum3, 0, c, cOffset + (i + 3) * width, width);
        }
        for (; i < rowTo; i++) {
            int aRow = aOffset + i * depth;
            start(c, cOffset + i * width, sum0, width, accumulate);
            for (int p = 0; p < depth; p++) {
                addScaled(a[aRow + p], b[p], sum0, width);
            }
            System.arraycopy(sum0, 0, c, cOffset + i * width, width);
        }
    }

    private static void start(float[] c, int cRow, float[] sum, int width, boolean accumulate) {
        if (accumulate) {
            System.arraycopy(c, cRow, sum, 0, width);
        } else {
            java.util.Arrays.fill(sum, 0f);
        }
    }

    /** sum[j] += scalar · row[j], nothing for a zero scalar. */
    private static void addScaled(float scalar, float[] row, float[] sum, int width) {
        if (scalar != 0f) {
            for (int j = 0; j < width; j++) {
                sum[j] += scalar * row[j];
            }
        }
    }

    /** y[yOffset + j] += alpha · x[xOffset + j] for j in [0, length). */
    static void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int length) {
        for (int j = 0; j < length; j++) {
            y[yOffset + j] += alpha * x[xOffset + j];
        }
    }

    /** Writes the transpose of the [rows, columns] matrix {@code source} into {@code target}. */
    static void transpose(float[] source, int sourceOffset, int rows, int columns, float[] target, int targetOffset) {
        for (int i = 0; i < rows; i++) {
            int row = sourceOffset + i * columns;
            for (int j = 0; j < columns; j++) {
                target[targetOffset + j * rows + i] = source[row + j];
            }
        }
    }
}
