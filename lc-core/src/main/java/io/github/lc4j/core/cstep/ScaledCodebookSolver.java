package io.github.lc4j.core.cstep;

import io.github.lc4j.api.spi.CStepKernels;
import java.util.Arrays;

/**
 * A fixed codebook v times one learned scale a &gt; 0, solved globally:
 * min over (a, z) of ‖x − a·v_z‖². For a fixed assignment z the best scale is
 * a = S_xc / S_cc with S_xc = Σ x_i v_{z_i} and S_cc = Σ v_{z_i}², leaving the error
 * ‖x‖² − S_xc²/S_cc. The nearest-assignment z(a) only changes where x_i/a crosses a midpoint
 * m_k of v, i.e. at a = x_i/m_k; sweeping those breakpoints in increasing order (a K-way merge of
 * sorted lists) visits every z(a), and the best of them is the global optimum (Idelbayev et al.,
 * CVPR 2021). {-a,+a} and {-a,0,+a} use their closed forms, which the tests check against the sweep.
 */
final class ScaledCodebookSolver implements CStepSolver {
    private final float[] shape;
    private final CStepKernels kernels;

    /** Creates a solver for the sorted distinct codebook shape {@code values}. */
    ScaledCodebookSolver(float[] values, CStepKernels kernels) {
        this.shape = values.clone();
        this.kernels = kernels;
    }

    @Override
    public CStepSolution solve(float[] x, CStepSolution previous) {
        double scale;
        if (Arrays.equals(shape, new float[] {-1, 1})) {
            scale = binaryScale(x);
        } else if (Arrays.equals(shape, new float[] {-1, 0, 1})) {
            scale = ternaryScale(x);
        } else {
            scale = sweepScale(x, shape);
        }
        if (!(scale > 0)) {
            scale = fallbackScale(x);
        }
        return Codebooks.finish(x, scaledValues(scale), scale, kernels);
    }

    private float[] scaledValues(double scale) {
        double[] values = new double[shape.length];
        for (int k = 0; k < shape.length; k++) {
            values[k] = scale * shape[k];
        }
        return Codebooks.toDistinctFloats(values);
    }

    /**
     * When no assignment has S_xc &gt; 0 (x all zero, or a codebook of one sign facing data of
     * the other) the infimum is at a → 0: take a scale that makes the codebook as small as a
     * float allows while keeping its values distinct, or 1 when x is all zero and the codebook
     * holds 0 (then any scale is exact).
     */
    private double fallbackScale(float[] x) {
        boolean allZero = true;
        for (float value : x) {
            allZero &= value == 0;
        }
        if (allZero && Arrays.binarySearch(shape, 0f) >= 0) {
            return 1;
        }
        double largest = 0;
        for (float value : shape) {
            largest = Math.max(largest, Math.abs(value));
        }
        return Float.MIN_NORMAL * 1024.0 / largest;
    }

    /** {-a, +a}: a = mean |x|. */
    static double binaryScale(float[] x) {
        double sum = 0;
        for (float value : x) {
            sum += Math.abs(value);
        }
        return sum / x.length;
    }

    /**
     * {-a, 0, +a}: with |x| sorted descending, j* maximises (Σ_{i≤j} |x|_(i))² / j and a is the
     * mean of the j* largest magnitudes.
     */
    static double ternaryScale(float[] x) {
        float[] magnitudes = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            magnitudes[i] = Math.abs(x[i]);
        }
        magnitudes = FloatRadixSort.sortedCopy(magnitudes);
        double sum = 0;
        double best = -1;
        double bestScale = 0;
        for (int j = 1; j <= magnitudes.length; j++) {
            sum += magnitudes[magnitudes.length - j];
            double objective = sum * sum / j;
            if (objective > best) {
                best = objective;
                bestScale = sum / j;
            }
        }
        return bestScale;
    }

    /** The breakpoint sweep for any codebook shape; returns the optimal a, or 0 if none is positive. */
    static double sweepScale(float[] x, float[] shape) {
        int size = shape.length;
        // one sort serves both signs: magnitudes ascending are the positives read upwards from the
        // first positive and the negatives read downwards from the last negative
        float[] sorted = FloatRadixSort.sortedCopy(x);
        int negativeCount = 0;
        while (negativeCount < sorted.length && sorted[negativeCount] < 0) {
            negativeCount++;
        }
        int firstPositive = negativeCount;
        while (firstPositive < sorted.length && sorted[firstPositive] <= 0) {
            firstPositive++;
        }
        int positiveCount = sorted.length - firstPositive;
        int zeroCount = firstPositive - negativeCount;
        double sumXc = 0;
        for (float value : sorted) {
            sumXc += value * (double) (value > 0 ? shape[size - 1] : shape[0]);
        }
        double sumCc = positiveCount * (double) shape[size - 1] * shape[size - 1]
                + negativeCount * (double) shape[0] * shape[0];
        int zeroEntry = nearestToZero(shape);
        sumCc += zeroCount * (double) shape[zeroEntry] * shape[zeroEntry];

        // One event list per midpoint: positive midpoints move positive x down one entry,
        // negative midpoints move negative x up one entry, in increasing order of a.
        BreakpointMerge merge = new BreakpointMerge(sorted, negativeCount, firstPositive, size - 1);
        for (int k = 0; k + 1 < size; k++) {
            double midpoint = ((double) shape[k] + shape[k + 1]) / 2;
            if (midpoint > 0 && positiveCount > 0) {
                merge.add(k, midpoint, true);
            } else if (midpoint < 0 && negativeCount > 0) {
                merge.add(k, -midpoint, false);
            }
        }
        double bestObjective = 0;
        double bestScale = 0;
        if (sumXc > 0 && sumCc > 0) {
            bestObjective = sumXc * sumXc / sumCc;
            bestScale = sumXc / sumCc;
        }
        while (merge.hasNext()) {
            int list = merge.smallest();
            double magnitude = merge.magnitude(list);
            int k = merge.entry(list);
            double lower = shape[k];
            double upper = shape[k + 1];
            if (merge.positive(list)) {
                sumXc += magnitude * (lower - upper);
                sumCc += lower * lower - upper * upper;
            } else {
                sumXc += -magnitude * (upper - lower);
                sumCc += upper * upper - lower * lower;
            }
            if (sumXc > 0 && sumCc > 0) {
                double objective = sumXc * sumXc / sumCc;
                if (objective > bestObjective) {
                    bestObjective = objective;
                    bestScale = sumXc / sumCc;
                }
            }
            merge.advance(list);
        }
        return bestScale;
    }

    private static int nearestToZero(float[] shape) {
        return CStepKernels.nearestByMidpoints(CStepKernels.midpoints(shape), 0.0f);
    }

    /**
     * A K-way merge of the breakpoints a = |x_i| / |m_k| of every midpoint, each list's magnitudes
     * read in ascending order from the sorted values; a binary heap of list indices keyed by each
     * list's next breakpoint, on primitive arrays because a sweep visits up to n·(K−1) events.
     */
    private static final class BreakpointMerge {
        private final float[] sorted;
        private final int negativeCount;
        private final int firstPositive;
        private final int[] entries;
        private final double[] midpointMagnitudes;
        private final boolean[] positives;
        private final int[] consumed;
        private final double[] keys;
        private final int[] heap;
        private int lists;
        private int heapSize;

        BreakpointMerge(float[] sorted, int negativeCount, int firstPositive, int capacity) {
            this.sorted = sorted;
            this.negativeCount = negativeCount;
            this.firstPositive = firstPositive;
            entries = new int[capacity];
            midpointMagnitudes = new double[capacity];
            positives = new boolean[capacity];
            consumed = new int[capacity];
            keys = new double[capacity];
            heap = new int[capacity];
        }

        void add(int entry, double midpointMagnitude, boolean positive) {
            int list = lists++;
            entries[list] = entry;
            midpointMagnitudes[list] = midpointMagnitude;
            positives[list] = positive;
            keys[list] = magnitude(list) / midpointMagnitude;
            heap[heapSize] = list;
            siftUp(heapSize++);
        }

        boolean hasNext() {
            return heapSize > 0;
        }

        int smallest() {
            return heap[0];
        }

        int entry(int list) {
            return entries[list];
        }

        boolean positive(int list) {
            return positives[list];
        }

        double magnitude(int list) {
            return positives[list]
                    ? sorted[firstPositive + consumed[list]]
                    : -(double) sorted[negativeCount - 1 - consumed[list]];
        }

        /** Moves {@code list}, the smallest, past its current breakpoint. */
        void advance(int list) {
            consumed[list]++;
            int length = positives[list] ? sorted.length - firstPositive : negativeCount;
            if (consumed[list] < length) {
                keys[list] = magnitude(list) / midpointMagnitudes[list];
            } else {
                heap[0] = heap[--heapSize];
            }
            siftDown(0);
        }

        private void siftUp(int position) {
            while (position > 0) {
                int parent = (position - 1) >>> 1;
                if (keys[heap[parent]] <= keys[heap[position]]) {
                    return;
                }
                swap(parent, position);
                position = parent;
            }
        }

        private void siftDown(int position) {
            while (true) {
                int child = 2 * position + 1;
                if (child >= heapSize) {
                    return;
                }
                if (child + 1 < heapSize && keys[heap[child + 1]] < keys[heap[child]]) {
                    child++;
                }
                if (keys[heap[position]] <= keys[heap[child]]) {
                    return;
                }
                swap(position, child);
                position = child;
            }
        }

        private void swap(int a, int b) {
            int list = heap[a];
            heap[a] = heap[b];
            heap[b] = list;
        }
    }
}
