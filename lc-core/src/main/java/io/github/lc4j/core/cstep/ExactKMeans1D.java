package io.github.lc4j.core.cstep;

/**
 * Globally optimal 1-D k-means by dynamic programming over the sorted values (Wu 1991;
 * Grønlund et al. 2017): D_k(i) = min_j D_{k−1}(j) + SSE(j, i), where SSE(j, i) is the squared
 * error of the sorted values [j, i) around their mean. The optimal j is monotone in i, so each
 * layer is filled by divide and conquer in O(n log n); the whole solve costs O(K n log n) after one
 * sort and K·n ints for the back-pointers. Optimal clusters in 1-D are contiguous in sorted
 * order, so this is the exact optimum over all assignments.
 */
final class ExactKMeans1D {
    private final double[] prefix;
    private final double[] prefixSquares;
    private final double[] reciprocal;
    private double[] previous;
    private double[] current;
    private int[] choice;

    private ExactKMeans1D(float[] sorted) {
        int n = sorted.length;
        double mean = 0;
        for (float value : sorted) {
            mean += value;
        }
        mean /= n;
        prefix = new double[n + 1];
        prefixSquares = new double[n + 1];
        reciprocal = new double[n + 1];
        for (int i = 0; i < n; i++) {
            double centred = sorted[i] - mean; // centring keeps S2 − S1²/m accurate for tight clusters
            prefix[i + 1] = prefix[i] + centred;
            prefixSquares[i + 1] = prefixSquares[i] + centred * centred;
            reciprocal[i + 1] = 1.0 / (i + 1);
        }
    }

    /**
     * Returns the optimal cluster borders: {@code borders[c]} is the first sorted index of cluster c,
     * {@code borders[size]} = n. Requires 1 &lt;= size &lt;= number of distinct values.
     */
    static int[] borders(float[] sorted, int size) {
        return new ExactKMeans1D(sorted).solve(size);
    }

    private double cost(int from, int to) {
        double sum = prefix[to] - prefix[from];
        return Math.max(0, prefixSquares[to] - prefixSquares[from] - sum * sum * reciprocal[to - from]);
    }

    private int[] solve(int size) {
        int n = prefix.length - 1;
        previous = new double[n + 1];
        current = new double[n + 1];
        int[][] choices = new int[size][];
        for (int i = 1; i <= n; i++) {
            previous[i] = cost(0, i);
        }
        for (int k = 1; k < size; k++) {
            choice = new int[n + 1];
            // clusters 0..k cover [0, i) with i >= k + 1; cluster k starts at j in [k, i - 1]
            fill(k + 1, n, k, n - 1);
            choices[k] = choice;
            double[] swap = previous;
            previous = current;
            current = swap;
        }
        int[] borders = new int[size + 1];
        borders[size] = n;
        int end = n;
        for (int k = size - 1; k >= 1; k--) {
            end = choices[k][end];
            borders[k] = end;
        }
        return borders;
    }

    /** Fills current[i] for i in [from, to], knowing the optimal j lies in [low, high]. */
    private void fill(int from, int to, int low, int high) {
        while (from <= to) {
            int middle = (from + to) >>> 1;
            int best = low;
            double bestValue = Double.POSITIVE_INFINITY;
            int last = Math.min(high, middle - 1);
            double sumTo = prefix[middle];
            double squaresTo = prefixSquares[middle];
            for (int j = low; j <= last; j++) {
                double sum = sumTo - prefix[j];
                double value = previous[j] + (squaresTo - prefixSquares[j] - sum * sum * reciprocal[middle - j]);
                if (value < bestValue) {
                    bestValue = value;
                    best = j;
                }
            }
            current[middle] = bestValue;
            choice[middle] = best;
            if (middle - from < to - middle) {
                fill(from, middle - 1, low, best);
                from = middle + 1;
                low = best;
            } else {
                fill(middle + 1, to, best, high);
                to = middle - 1;
                high = best;
            }
        }
    }
}
