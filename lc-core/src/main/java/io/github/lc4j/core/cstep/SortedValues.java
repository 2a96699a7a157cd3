package io.github.lc4j.core.cstep;

/**
 * A sorted copy of a vector with prefix sums of values and squares, so that the count, sum and
 * squared error of any run of consecutive sorted values cost O(1).
 */
final class SortedValues {
    final float[] sorted;
    private final double[] prefixSum;
    private final double[] prefixSquares;

    SortedValues(float[] x) {
        sorted = FloatRadixSort.sortedCopy(x);
        prefixSum = new double[sorted.length + 1];
        prefixSquares = new double[sorted.length + 1];
        for (int i = 0; i < sorted.length; i++) {
            double value = sorted[i];
            prefixSum[i + 1] = prefixSum[i] + value;
            prefixSquares[i + 1] = prefixSquares[i] + value * value;
        }
    }

    int size() {
        return sorted.length;
    }

    double sum(int from, int to) {
        return prefixSum[to] - prefixSum[from];
    }

    /** Returns Σ (x_i − center)² over sorted positions [from, to), never negative. */
    double squaredError(int from, int to, double center) {
        double count = to - from;
        double error = prefixSquares[to] - prefixSquares[from] - 2 * center * sum(from, to) + count * center * center;
        return Math.max(0, error);
    }

    /** Returns the first sorted position whose value is greater than {@code bound}. */
    int upperBound(double bound) {
        int low = 0;
        int high = sorted.length;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (sorted[middle] <= bound) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /** Returns the number of distinct values. */
    int distinctCount() {
        int count = sorted.length == 0 ? 0 : 1;
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] != sorted[i - 1]) {
                count++;
            }
        }
        return count;
    }
}
