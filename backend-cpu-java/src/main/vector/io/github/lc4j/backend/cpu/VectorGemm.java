package io.github.lc4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm#multiplyRows}'s products on the Vector API ({@code jdk.incubator.vector}), used only
 * when the JVM runs with {@code --add-modules jdk.incubator.vector}. Each block of four rows by four
 * vectors of C is summed in registers over the whole depth, where the plain loops load and store
 * every sum once per two products. Every element still adds its products one at a time in p order,
 * as a multiply then an add (never a fused multiply-add), so the results are the plain loops' bit
 * for bit: the backend stays deterministic and the flag changes no number, only the time.
 */
final class VectorGemm implements Gemm.ColumnProducts {
    /** Created by {@link Gemm}, by name, where the JVM has the incubator module. */
    VectorGemm() {}

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** Floats per vector: 16 with AVX-512, 8 with AVX2. */
    private static final int LANES = SPECIES.length();

    /** Columns of C per register block: four vectors, 16 sums in registers for four rows. */
    private static final int STRIP = 4 * LANES;

    /** Rows of B per panel: 128 rows of a strip (32 KB with AVX-512) fit the first-level cache. */
    private static final int DEPTH_PANEL = 128;

    /**
     * Every column where B's rows are padded to whole vectors ({@link Gemm#newRows}), otherwise
     * {@code width} rounded down to whole vectors.
     */
    @Override
    public int multiplyRows(
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
        int vectorWidth = width - width % LANES;
        // the last columns in one more vector where B's rows are padded to whole vectors (Gemm.newRows)
        boolean tail = vectorWidth < width && b.length > 0 && b[0].length >= vectorWidth + LANES;
        float[] tailSums = tail ? TAIL.get() : null;
        for (int pFrom = 0; pFrom < depth; pFrom += DEPTH_PANEL) {
            int pTo = Math.min(depth, pFrom + DEPTH_PANEL);
            boolean add = accumulate || pFrom > 0;
            int j = 0;
            // a panel of a strip of B's columns stays in the first-level cache while every row block
            // of C takes its products
            for (; j + STRIP <= vectorWidth; j += STRIP) {
                int i = rowFrom;
                for (; i + 4 <= rowTo; i += 4) {
                    fourRowsFourVectors(a, aOffset, b, c, cOffset, i, depth, width, j, pFrom, pTo, add);
                }
                for (; i < rowTo; i++) {
                    for (int k = 0; k < STRIP; k += LANES) {
                        oneRowOneVector(a, aOffset, b, c, cOffset, i, depth, width, j + k, pFrom, pTo, add);
                    }
                }
            }
            for (; j < vectorWidth; j += LANES) {
                int i = rowFrom;
                for (; i + 4 <= rowTo; i += 4) {
                    fourRowsOneVector(a, aOffset, b, c, cOffset, i, depth, width, j, pFrom, pTo, add);
                }
                for (; i < rowTo; i++) {
                    oneRowOneVector(a, aOffset, b, c, cOffset, i, depth, width, j, pFrom, pTo, add);
                }
            }
            if (tail) {
                int i = rowFrom;
                for (; i + 4 <= rowTo; i += 4) {
                    fourRowsTail(a, aOffset, b, c, cOffset, i, depth, width, vectorWidth, pFrom, pTo, add, tailSums);
                }
                for (; i < rowTo; i++) {
                    oneRowTail(a, aOffset, b, c, cOffset, i, depth, width, vectorWidth, pFrom, pTo, add, tailSums);
                }
            }
        }
        if (tail) {
            return width;
        }
        return vectorWidth;
    }

    /** Per-thread sums of four rows' last columns, which C has no whole vector for. */
    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[4 * LANES]);

    private static FloatVector start(float[] c, int index, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(SPECIES, c, index) : FloatVector.zero(SPECIES);
    }

    private static void fourRowsFourVectors(
            float[] a,
            int aOffset,
            float[][] b,
            float[] c,
            int cOffset,
            int i,
            int depth,
            int width,
            int j,
            int pFrom,
            int pTo,
            boolean accumulate) {
        int a0 = aOffset + i * depth;
        int a1 = a0 + depth;
        int a2 = a1 + depth;
        int a3 = a2 + depth;
        int c0 = cOffset + i * width + j;
        int c1 = c0 + width;
        int c2 = c1 + width;
        int c3 = c2 + width;
        int j1 = j + LANES;
        int j2 = j1 + LANES;
        int j3 = j2 + LANES;
        FloatVector s00 = start(c, c0, accumulate);
        FloatVector s01 = start(c, c0 + LANES, accumulate);
        FloatVector s02 = start(c, c0 + 2 * LANES, accumulate);
        FloatVector s03 = start(c, c0 + 3 * LANES, accumulate);
        FloatVector s10 = start(c, c1, accumulate);
        FloatVector s11 = start(c, c1 + LANES, accumulate);
        FloatVector s12 = start(c, c1 + 2 * LANES, accumulate);
        FloatVector s13 = start(c, c1 + 3 * LANES, accumulate);
        FloatVector s20 = start(c, c2, accumulate);
        FloatVector s21 = start(c, c2 + LANES, accumulate);
        FloatVector s22 = start(c, c2 + 2 * LANES, accumulate);
        FloatVector s23 = start(c, c2 + 3 * LANES, accumulate);
        FloatVector s30 = start(c, c3, accumulate);
        FloatVector s31 = start(c, c3 + LANES, accumulate);
        FloatVector s32 = start(c, c3 + 2 * LANES, accumulate);
        FloatVector s33 = start(c, c3 + 3 * LANES, accumulate);
        for (int p = pFrom; p < pTo; p++) {
            float[] row = b[p];
            FloatVector v0 = FloatVector.fromArray(SPECIES, row, j);
            FloatVector v1 = FloatVector.fromArray(SPECIES, row, j1);
            FloatVector v2 = FloatVector.fromArray(SPECIES, row, j2);
            FloatVector v3 = FloatVector.fromArray(SPECIES, row, j3);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a[a0 + p]);
            FloatVector x1 = FloatVector.broadcast(SPECIES, a[a1 + p]);
            FloatVector x2 = FloatVector.broadcast(SPECIES, a[a2 + p]);
            FloatVector x3 = FloatVector.broadcast(SPECIES, a[a3 + p]);
            s00 = s00.add(v0.mul(x0));
            s01 = s01.add(v1.mul(x0));
            s02 = s02.add(v2.mul(x0));
            s03 = s03.add(v3.mul(x0));
            s10 = s10.add(v0.mul(x1));
            s11 = s11.add(v1.mul(x1));
            s12 = s12.add(v2.mul(x1));
            s13 = s13.add(v3.mul(x1));
            s20 = s20.add(v0.mul(x2));
            s21 = s21.add(v1.mul(x2));
            s22 = s22.add(v2.mul(x2));
            s23 = s23.add(v3.mul(x2));
            s30 = s30.add(v0.mul(x3));
            s31 = s31.add(v1.mul(x3));
            s32 = s32.add(v2.mul(x3));
            s33 = s33.add(v3.mul(x3));
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + LANES);
        s02.intoArray(c, c0 + 2 * LANES);
        s03.intoArray(c, c0 + 3 * LANES);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + LANES);
        s12.intoArray(c, c1 + 2 * LANES);
        s13.intoArray(c, c1 + 3 * LANES);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + LANES);
        s22.intoArray(c, c2 + 2 * LANES);
        s23.intoArray(c, c2 + 3 * LANES);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + LANES);
        s32.intoArray(c, c3 + 2 * LANES);
        s33.intoArray(c, c3 + 3 * LANES);
    }

    private static void fourRowsOneVector(
            float[] a,
            int aOffset,
            float[][] b,
            float[] c,
            int cOffset,
            int i,
            int depth,
            int width,
            int j,
            int pFrom,
            int pTo,
            boolean accumulate) {
        int a0 = aOffset + i * depth;
        int a1 = a0 + depth;
        int a2 = a1 + depth;
        int a3 = a2 + depth;
        int c0 = cOffset + i * width + j;
        FloatVector s0 = start(c, c0, accumulate);
        FloatVector s1 = start(c, c0 + width, accumulate);
        FloatVector s2 = start(c, c0 + 2 * width, accumulate);
        FloatVector s3 = start(c, c0 + 3 * width, accumulate);
        for (int p = pFrom; p < pTo; p++) {
            FloatVector v = FloatVector.fromArray(SPECIES, b[p], j);
            s0 = s0.add(v.mul(a[a0 + p]));
            s1 = s1.add(v.mul(a[a1 + p]));
            s2 = s2.add(v.mul(a[a2 + p]));
            s3 = s3.add(v.mul(a[a3 + p]));
        }
        s0.intoArray(c, c0);
        s1.intoArray(c, c0 + width);
        s2.intoArray(c, c0 + 2 * width);
        s3.intoArray(c, c0 + 3 * width);
    }

    private static void oneRowOneVector(
            float[] a,
            int aOffset,
            float[][] b,
            float[] c,
            int cOffset,
            int i,
            int depth,
            int width,
            int j,
            int pFrom,
            int pTo,
            boolean accumulate) {
        int a0 = aOffset + i * depth;
        int c0 = cOffset + i * width + j;
        FloatVector s = start(c, c0, accumulate);
        for (int p = pFrom; p < pTo; p++) {
            s = s.add(FloatVector.fromArray(SPECIES, b[p], j).mul(a[a0 + p]));
        }
        s.intoArray(c, c0);
    }

    /** Columns [j, width) of row i, fewer than a vector, summed through {@code sums}. */
    private static void oneRowTail(
            float[] a,
            int aOffset,
            float[][] b,
            float[] c,
            int cOffset,
            int i,
            int depth,
            int width,
            int j,
            int pFrom,
            int pTo,
            boolean accumulate,
            float[] sums) {
        int a0 = aOffset + i * depth;
        int c0 = cOffset + i * width + j;
        FloatVector s = startTail(c, c0, width - j, sums, 0, accumulate);
        for (int p = pFrom; p < pTo; p++) {
            s = s.add(FloatVector.fromArray(SPECIES, b[p], j).mul(a[a0 + p]));
        }
        s.intoArray(sums, 0);
        System.arraycopy(sums, 0, c, c0, width - j);
    }

    /** As {@link #oneRowTail} for the rows [i, i + 4). */
    private static void fourRowsTail(
            float[] a,
            int aOffset,
            float[][] b,
            float[] c,
            int cOffset,
            int i,
            int depth,
            int width,
            int j,
            int pFrom,
            int pTo,
            boolean accumulate,
            float[] sums) {
        int a0 = aOffset + i * depth;
        int a1 = a0 + depth;
        int a2 = a1 + depth;
        int a3 = a2 + depth;
        int c0 = cOffset + i * width + j;
        int count = width - j;
        FloatVector s0 = startTail(c, c0, count, sums, 0, accumulate);
        FloatVector s1 = startTail(c, c0 + width, count, sums, LANES, accumulate);
        FloatVector s2 = startTail(c, c0 + 2 * width, count, sums, 2 * LANES, accumulate);
        FloatVector s3 = startTail(c, c0 + 3 * width, count, sums, 3 * LANES, accumulate);
        for (int p = pFrom; p < pTo; p++) {
            FloatVector v = FloatVector.fromArray(SPECIES, b[p], j);
            s0 = s0.add(v.mul(a[a0 + p]));
            s1 = s1.add(v.mul(a[a1 + p]));
            s2 = s2.add(v.mul(a[a2 + p]));
            s3 = s3.add(v.mul(a[a3 + p]));
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, LANES);
        s2.intoArray(sums, 2 * LANES);
        s3.intoArray(sums, 3 * LANES);
        for (int r = 0; r < 4; r++) {
            System.arraycopy(sums, r * LANES, c, c0 + r * width, count);
        }
    }

    /** The first {@code count} sums of a row's last columns, from C or zero, in {@code sums} at {@code at}. */
    private static FloatVector startTail(float[] c, int from, int count, float[] sums, int at, boolean accumulate) {
        if (!accumulate) {
            return FloatVector.zero(SPECIES);
        }
        System.arraycopy(c, from, sums, at, count);
        return FloatVector.fromArray(SPECIES, sums, at);
    }
}
