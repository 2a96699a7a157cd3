package io.github.lc4j.backend.cpu;

/**
 * Row-major matrix products written as axpy loops over contiguous rows, the form C2's
 * superword pass vectorises without extra flags: C[i,:] += A[i,p] · B[p,:]. The inner dimension
 * is blocked so a slab of B stays in cache while the rows of A stream past; zero entries of A
 * (ReLU outputs, padding) are skipped.
 */
final class Gemm {
    private static final int DEPTH_BLOCK = 64;

    private Gemm() {
    }

    /**
     * For rows i in [rowFrom, rowTo): C[i,:] (+)= Σ_p A[i,p] · B[p,:], with A of shape
     * [·, depth] at {@code aOffset}, B of shape [depth, width] at {@code bOffset} and C of shape
     * [·, width] at {@code cOffset}. Without {@code accumulate} the rows of C are overwritten.
     */
    static void multiplyRows(float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset, int rowFrom,
            int rowTo, int depth, int width, boolean accumulate) {
        if (!accumulate) {
            java.util.Arrays.fill(c, cOffset + rowFrom * width, cOffset + rowTo * width, 0f);
        }
        for (int blockStart = 0; blockStart < depth; blockStart += DEPTH_BLOCK) {
            int blockEnd = Math.min(depth, blockStart + DEPTH_BLOCK);
            for (int i = rowFrom; i < rowTo; i++) {
                int aRow = aOffset + i * depth;
                int cRow = cOffset + i * width;
                for (int p = blockStart; p < blockEnd; p++) {
                    float scalar = a[aRow + p];
                    if (scalar != 0f) {
                        axpy(scalar, b, bOffset + p * width, c, cRow, width);
                    }
                }
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
