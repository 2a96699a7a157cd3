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
        float[] sum = new float[width];
        for (int i = rowFrom; i < rowTo; i++) {
            int aRow = aOffset + i * depth;
            int cRow = cOffset + i * width;
            if (accumulate) {
                System.arraycopy(c, cRow, sum, 0, width);
            } else {
                java.util.Arrays.fill(sum, 0f);
            }
            for (int p = 0; p < depth; p++) {
                float scalar = a[aRow + p];
                if (scalar != 0f) {
                    float[] row = b[p];
                    for (int j = 0; j < width; j++) {
                        sum[j] += scalar * row[j];
                    }
                }
            }
            System.arraycopy(sum, 0, c, cRow, width);
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
