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

    /**
     * The products of some of C's columns on another instruction set, bit for bit as the plain
     * loops compute them.
     */
    interface ColumnProducts {
        /**
         * Columns [0, returned) of rows [rowFrom, rowTo) of C, as {@link #multiplyRows} defines them;
         * the plain loops compute the rest.
         */
        int multiplyRows(
                float[] a,
                int aOffset,
                float[][] b,
                float[] c,
                int cOffset,
                int rowFrom,
                int rowTo,
                int depth,
                int width,
                boolean accumulate);
    }

    /**
     * The Vector API products ({@code VectorGemm}) when the JVM was started with {@code --add-modules
     * jdk.incubator.vector}, unless {@code -Dlc4j.cpu.vector=false}; otherwise null. Loaded by name,
     * so that nothing links against the incubator module where it is absent. Either way the numbers
     * are the same.
     */
    private static final ColumnProducts VECTOR_PRODUCTS = vectorProducts();

    /** Whether the products run on the Vector API (see {@link #VECTOR_PRODUCTS}). */
    static final boolean VECTOR = VECTOR_PRODUCTS != null;

    private static ColumnProducts vectorProducts() {
        if ("false".equalsIgnoreCase(System.getProperty("lc4j.cpu.vector", "true"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return (ColumnProducts) Class.forName(Gemm.class.getPackageName() + ".VectorGemm")
                    .getDeclaredConstructor()
                    .newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /** Rows of B per panel; neutral while B fits the cache, and what keeps it there once it does not. */
    private static final int DEPTH_PANEL = 128;
    /**
     * The most columns of B and C taken at a time: a panel of DEPTH_PANEL × 1,280 floats (640 KB)
     * stays in cache, as a whole 1,200-wide panel does but a 4,800-wide one did not. Wider products
     * are cut into equal blocks (4,800 into four of 1,200).
     */
    private static final int COLUMN_BLOCK = 1280;

    /** Per-thread sums of four rows of C, grown to the widest product a thread has computed. */
    private static final ThreadLocal<float[][]> SUMS = ThreadLocal.withInitial(() -> new float[4][0]);

    /**
     * Copies the [rows, width] matrix at {@code offset} in {@code matrix} into one array per row,
     * reusing {@code target} when it has at least {@code rows} rows of at least {@code width}
     * values; returns the arrays used (rows past {@code rows} and values past {@code width} are
     * left as they were).
     */
    static float[][] rows(float[][] target, float[] matrix, int offset, int rows, int width) {
        float[][] result = target;
        if (result == null || result.length < rows || (rows > 0 && result[0].length < width)) {
            result = newRows(rows, width);
        }
        for (int row = 0; row < rows; row++) {
            System.arraycopy(matrix, offset + row * width, result[row], 0, width);
        }
        return result;
    }

    /**
     * A [rows][width] matrix for B's side of {@link #multiplyRows}, each row padded to whole vectors
     * of 16 floats so that the Vector API products can load a row's last columns as one vector.
     */
    static float[][] newRows(int rows, int width) {
        return new float[rows][(width + 15) & ~15];
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
        int columnFrom = VECTOR
                ? VECTOR_PRODUCTS.multiplyRows(a, aOffset, b, c, cOffset, rowFrom, rowTo, depth, width, accumulate)
                : 0;
        plainMultiplyRows(a, aOffset, b, c, cOffset, rowFrom, rowTo, depth, width, accumulate, columnFrom);
    }

    /** As {@link #multiplyRows} on the plain loops, for the columns [columnFrom, width) of C. */
    static void plainMultiplyRows(
            float[] a,
            int aOffset,
            float[][] b,
            float[] c,
            int cOffset,
            int rowFrom,
            int rowTo,
            int depth,
            int width,
            boolean accumulate,
            int columnFrom) {
        // B in panels of DEPTH_PANEL rows: a panel stays in cache while every block of four rows of C
        // takes its products (5-6x faster once B outgrows the cache, as a 784x1200 layer's does);
        // each element still adds its products in p order, stopping in C between panels
        float[][] sums = SUMS.get();
        if (sums[0].length < width) {
            for (int r = 0; r < 4; r++) {
                sums[r] = new float[width];
            }
        }
        int blocks = (width - columnFrom + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
        int blockWidth = blocks == 0 ? 0 : ((width - columnFrom + blocks - 1) / blocks + 15) & ~15;
        for (int jFrom = columnFrom; jFrom < width; jFrom += blockWidth) {
            int jTo = Math.min(width, jFrom + blockWidth);
            for (int pFrom = 0; pFrom < depth; pFrom += DEPTH_PANEL) {
                multiplyPanel(
                        sums,
                        a,
                        aOffset,
                        b,
                        c,
                        cOffset,
                        rowFrom,
                        rowTo,
                        depth,
                        width,
                        accumulate || pFrom > 0,
                        pFrom,
                        Math.min(depth, pFrom + DEPTH_PANEL),
                        jFrom,
                        jTo);
            }
        }
    }

    /**
     * As {@link #multiplyRows} for the columns [jFrom, jTo) of C, with only the products of B's rows
     * [pFrom, pTo), summed in {@code sums}.
     */
    private static void multiplyPanel(
            float[][] sums,
            float[] a,
            int aOffset,
            float[][] b,
            float[] c,
            int cOffset,
            int rowFrom,
            int rowTo,
            int depth,
            int width,
            boolean accumulate,
            int pFrom,
            int pTo,
            int jFrom,
            int jTo) {
        float[] sum0 = sums[0];
        float[] sum1 = sums[1];
        float[] sum2 = sums[2];
        float[] sum3 = sums[3];
        int i = rowFrom;
        // four rows of C at a time, two rows of B per pass: each sum is loaded and stored once per
        // two products (the store port is what bounds this loop), and each row of B, once loaded,
        // feeds four sums. A bigger block stops C2 from unrolling, and so from vectorising, the j
        // loop. Every element still sums its products one at a time in p order.
        for (; i + 4 <= rowTo; i += 4) {
            int a0 = aOffset + i * depth;
            int a1 = a0 + depth;
            int a2 = a1 + depth;
            int a3 = a2 + depth;
            start(c, cOffset + i * width, sum0, jFrom, jTo, accumulate);
            start(c, cOffset + (i + 1) * width, sum1, jFrom, jTo, accumulate);
            start(c, cOffset + (i + 2) * width, sum2, jFrom, jTo, accumulate);
            start(c, cOffset + (i + 3) * width, sum3, jFrom, jTo, accumulate);
            int p = pFrom;
            for (; p + 2 <= pTo; p += 2) {
                float x00 = a[a0 + p];
                float x01 = a[a0 + p + 1];
                float x10 = a[a1 + p];
                float x11 = a[a1 + p + 1];
                float x20 = a[a2 + p];
                float x21 = a[a2 + p + 1];
                float x30 = a[a3 + p];
                float x31 = a[a3 + p + 1];
                float[] row0 = b[p];
                float[] row1 = b[p + 1];
                if (x00 != 0f && x01 != 0f && x10 != 0f && x11 != 0f && x20 != 0f && x21 != 0f && x30 != 0f
                        && x31 != 0f) {
                    for (int j = jFrom; j < jTo; j++) {
                        float v0 = row0[j];
                        float v1 = row1[j];
                        sum0[j] = sum0[j] + x00 * v0 + x01 * v1;
                        sum1[j] = sum1[j] + x10 * v0 + x11 * v1;
                        sum2[j] = sum2[j] + x20 * v0 + x21 * v1;
                        sum3[j] = sum3[j] + x30 * v0 + x31 * v1;
                    }
                } else {
                    accumulateRowOfB(x00, x10, x20, x30, row0, sum0, sum1, sum2, sum3, jFrom, jTo);
                    accumulateRowOfB(x01, x11, x21, x31, row1, sum0, sum1, sum2, sum3, jFrom, jTo);
                }
            }
            if (p < pTo) {
                accumulateRowOfB(a[a0 + p], a[a1 + p], a[a2 + p], a[a3 + p], b[p], sum0, sum1, sum2, sum3, jFrom, jTo);
            }
            System.arraycopy(sum0, jFrom, c, cOffset + i * width + jFrom, jTo - jFrom);
            System.arraycopy(sum1, jFrom, c, cOffset + (i + 1) * width + jFrom, jTo - jFrom);
            System.arraycopy(sum2, jFrom, c, cOffset + (i + 2) * width + jFrom, jTo - jFrom);
            System.arraycopy(sum3, jFrom, c, cOffset + (i + 3) * width + jFrom, jTo - jFrom);
        }
        for (; i < rowTo; i++) {
            int aRow = aOffset + i * depth;
            start(c, cOffset + i * width, sum0, jFrom, jTo, accumulate);
            for (int p = pFrom; p < pTo; p++) {
                addScaled(a[aRow + p], b[p], sum0, jFrom, jTo);
            }
            System.arraycopy(sum0, jFrom, c, cOffset + i * width + jFrom, jTo - jFrom);
        }
    }

    /** sum_r[j] += s_r · row[j] for the four rows; a zero s_r (a ReLU output, padding) adds nothing. */
    private static void accumulateRowOfB(
            float s0,
            float s1,
            float s2,
            float s3,
            float[] row,
            float[] sum0,
            float[] sum1,
            float[] sum2,
            float[] sum3,
            int jFrom,
            int jTo) {
        if (s0 != 0f && s1 != 0f && s2 != 0f && s3 != 0f) {
            for (int j = jFrom; j < jTo; j++) {
                float value = row[j];
                sum0[j] += s0 * value;
                sum1[j] += s1 * value;
                sum2[j] += s2 * value;
                sum3[j] += s3 * value;
            }
        } else {
            addScaled(s0, row, sum0, jFrom, jTo);
            addScaled(s1, row, sum1, jFrom, jTo);
            addScaled(s2, row, sum2, jFrom, jTo);
            addScaled(s3, row, sum3, jFrom, jTo);
        }
    }

    /** Loads columns [jFrom, jTo) of C's row at {@code cRow} into {@code sum}, or zeros them. */
    private static void start(float[] c, int cRow, float[] sum, int jFrom, int jTo, boolean accumulate) {
        if (accumulate) {
            System.arraycopy(c, cRow + jFrom, sum, jFrom, jTo - jFrom);
        } else {
            // only the block: the per-thread sums are as wide as the widest product so far
            java.util.Arrays.fill(sum, jFrom, jTo, 0f);
        }
    }

    /** sum[j] += scalar · row[j], nothing for a zero scalar. */
    private static void addScaled(float scalar, float[] row, float[] sum, int jFrom, int jTo) {
        if (scalar != 0f) {
            for (int j = jFrom; j < jTo; j++) {
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

    /**
     * Writes rows [from, to) of the transpose of the [rows, columns] matrix {@code source}, that is
     * its columns [from, to), into {@code target}; disjoint ranges can run on different threads.
     */
    static void transposeColumns(float[] source, int rows, int columns, float[] target, int from, int to) {
        for (int j = from; j < to; j++) {
            int targetRow = j * rows;
            for (int i = 0; i < rows; i++) {
                target[targetRow + i] = source[i * columns + j];
            }
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
