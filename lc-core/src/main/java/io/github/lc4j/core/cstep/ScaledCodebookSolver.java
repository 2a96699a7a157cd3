package io.github.lc4j.core.cstep;

import io.github.lc4j.api.spi.CStepKernels;
import java.util.Arrays;
import java.util.PriorityQueue;

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
        Arrays.sort(magnitudes);
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
        int positiveCount = 0;
        int negativeCount = 0;
        for (float value : x) {
            if (value > 0) {
                positiveCount++;
            } else if (value < 0) {
                negativeCount++;
            }
        }
        double[] positives = new double[positiveCount];
        double[] negativeMagnitudes = new double[negativeCount];
        int p = 0;
        int q = 0;
        double sumXc = 0;
        double sumCc = 0;
        int zeroEntry = nearestToZero(shape);
        for (float value : x) {
            if (value > 0) {
                positives[p++] = value;
                sumXc += value * (double) shape[size - 1];
                sumCc += (double) shape[size - 1] * shape[size - 1];
            } else if (value < 0) {
                negativeMagnitudes[q++] = -(double) value;
                sumXc += value * (double) shape[0];
                sumCc += (double) shape[0] * shape[0];
            } else {
                sumCc += (double) shape[zeroEntry] * shape[zeroEntry];
            }
        }
        Arrays.sort(positives);
        Arrays.sort(negativeMagnitudes);

        // One event list per midpoint: positive midpoints move positive x down one entry,
        // negative midpoints move negative x up one entry, in increasing order of a.
        PriorityQueue<EventList> queue = new PriorityQueue<>();
        for (int k = 0; k + 1 < size; k++) {
            double midpoint = ((double) shape[k] + shape[k + 1]) / 2;
            if (midpoint > 0 && positiveCount > 0) {
                queue.add(new EventList(positives, midpoint, k, true));
            } else if (midpoint < 0 && negativeCount > 0) {
                queue.add(new EventList(negativeMagnitudes, -midpoint, k, false));
            }
        }
        double bestObjective = 0;
        double bestScale = 0;
        if (sumXc > 0 && sumCc > 0) {
            bestObjective = sumXc * sumXc / sumCc;
            bestScale = sumXc / sumCc;
        }
        while (!queue.isEmpty()) {
            EventList list = queue.poll();
            double magnitude = list.values[list.next];
            int k = list.entry;
            double lower = shape[k];
            double upper = shape[k + 1];
            if (list.positive) {
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
            list.next++;
            if (list.next < list.values.length) {
                queue.add(list);
            }
        }
        return bestScale;
    }

    private static int nearestToZero(float[] shape) {
        return CStepKernels.nearestByMidpoints(CStepKernels.midpoints(shape), 0.0f);
    }

    /** The breakpoints a = |x_i| / |m_k| of one midpoint, over magnitudes sorted ascending. */
    private static final class EventList implements Comparable<EventList> {
        final double[] values;
        final double midpointMagnitude;
        final int entry;
        final boolean positive;
        int next;

        EventList(double[] values, double midpointMagnitude, int entry, boolean positive) {
            this.values = values;
            this.midpointMagnitude = midpointMagnitude;
            this.entry = entry;
            this.positive = positive;
        }

        double currentScale() {
            return values[next] / midpointMagnitude;
        }

        @Override
        public int compareTo(EventList other) {
            return Double.compare(currentScale(), other.currentScale());
        }
    }
}
