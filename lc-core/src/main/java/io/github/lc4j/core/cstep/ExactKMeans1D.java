package io.github.lc4j.core.cstep;

import java.util.concurrent.ForkJoinTask;

/**
 * Globally optimal 1-D k-means by dynamic programming over the sorted values (Wu 1991;
 * Grønlund et al. 2017): D_k(i) = min_j D_{k−1}(j) + SSE(j, i), where SSE(j, i) is the squared
 * error of the sorted values [j, i) around their mean. SSE satisfies the quadrangle inequality, so
 * the matrix M(i, j) = D_{k−1}(j) + SSE(j, i) (+∞ for j ≥ i) is totally monotone and SMAWK finds
 * all its row minima in O(n); the whole solve costs O(K n) after one sort and K·n ints for the
 * back-pointers. Large layers are split at their middle row over the available cores (the rows
 * above and below it search disjoint column ranges), which leaves every result unchanged. Optimal
 * clusters in 1-D are contiguous in sorted order, so this is the exact optimum over all
 * assignments.
 *
 * <p>Long vectors first try the Lagrangian relaxation ({@link PenalizedSegmentation}): one
 * row-minimum per value instead of K, and its optimum is provably an optimal K-clustering whenever
 * it has K clusters. The multiplier λ is searched on an evenly spaced sample of the sorted values
 * (each cluster-count step costs about λ there, scaled by the spacing), then on the whole vector,
 * each miss refining λ from the exact distortions at the cluster counts seen so far. Where no λ
 * gives K clusters (K on a straight stretch of the optimal distortion, which is convex in K) or
 * the search runs out of solves, the K layers above decide.
 */
final class ExactKMeans1D {
    /** Layers with at least this many rows are split over the cores. */
    private static final int PARALLEL_MINIMUM = 1 << 16;

    /** Shorter vectors go straight to the K layers, which cost them little. */
    private static final int RELAXATION_MINIMUM = 1 << 12;

    /** λ is first searched on a sample of about this many values. */
    private static final int SAMPLE = 1 << 15;

    /** Relaxations solved on the sample; each costs about a thirtieth of one on a million values. */
    private static final int SAMPLE_SOLVES = 40;

    /**
     * Relaxations solved on the whole vector before the K layers take over, per cluster: a solve
     * costs about one layer, so a failed search adds at most half the layers' time.
     */
    private static final double FULL_SOLVES_PER_CLUSTER = 0.5;

    private final float[] sorted;

    private final double[] prefix;
    private final double[] prefixSquares;
    private final double[] reciprocal;
    private final boolean parallel;
    private final int parallelMinimum;
    private final int splitDepth;
    private double[] previous;
    private double[] current;
    private int[] choice;

    private ExactKMeans1D(float[] sorted, int parallelMinimum) {
        this.sorted = sorted;
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
        this.parallelMinimum = parallelMinimum;
        int cores = Runtime.getRuntime().availableProcessors();
        parallel = n >= parallelMinimum && cores >= 2;
        splitDepth = 32 - Integer.numberOfLeadingZeros(cores - 1); // ⌈log₂ cores⌉ levels: a leaf per core
    }

    /**
     * Returns the optimal cluster borders: {@code borders[c]} is the first sorted index of cluster c,
     * {@code borders[size]} = n. Requires 1 &lt;= size &lt;= number of distinct values.
     */
    static int[] borders(float[] sorted, int size) {
        return optimalBorders(sorted, size, true);
    }

    /**
     * As {@link #borders(float[], int)}; where the relaxation finds no λ, the K layers decide if
     * {@code layers}, else the result is null. The relaxation is tried from {@link
     * #RELAXATION_MINIMUM} values and 3 clusters: below, the layers cost little (two clusters one scan).
     */
    static int[] optimalBorders(float[] sorted, int size, boolean layers) {
        ExactKMeans1D solver = new ExactKMeans1D(sorted, PARALLEL_MINIMUM);
        if (size >= 3 && sorted.length >= RELAXATION_MINIMUM) {
            int[] relaxed = solver.relaxed(size);
            if (relaxed != null || !layers) {
                return relaxed;
            }
        }
        return solver.solve(size);
    }

    /** The borders by the K-layer program alone. */
    static int[] layeredBorders(float[] sorted, int size, int parallelMinimum) {
        return new ExactKMeans1D(sorted, parallelMinimum).solve(size);
    }

    /** The borders by the Lagrangian relaxation, or null where its search found no λ with K clusters. */
    static int[] relaxedBorders(float[] sorted, int size) {
        return new ExactKMeans1D(sorted, PARALLEL_MINIMUM).relaxed(size);
    }

    private int[] relaxed(int size) {
        int n = sorted.length;
        double total = prefixSquares[n] - prefix[n] * prefix[n] / n;
        // distortion ≈ C / K², as for uniform values, until solves measure it
        double lambda = multiplier(total, 1, size);
        if (n >= 4 * SAMPLE) {
            int spacing = n / SAMPLE;
            float[] sample = new float[n / spacing];
            for (int t = 0; t < sample.length; t++) {
                sample[t] = sorted[t * spacing + spacing / 2];
            }
            Relaxation found =
                    new ExactKMeans1D(sample, Integer.MAX_VALUE).search(size, lambda / spacing, SAMPLE_SOLVES);
            if (found != null) {
                lambda = found.lambda * spacing;
            }
        }
        Relaxation found = search(size, lambda, Math.max(4, (int) (FULL_SOLVES_PER_CLUSTER * size)));
        return found == null ? null : found.borders;
    }

    private record Relaxation(double lambda, int[] borders) {}

    /**
     * Searches λ from {@code lambda} for at most {@code solves} relaxations; null if none had K
     * clusters. Once counts on both sides of K are known, the first step is a fit and the next are
     * chord steps: at λ = the slope between the two optima, (D_high − D_low)/(low count − high
     * count), the two tie, so the solve returns a count strictly between them exactly when one lies
     * below the chord. If it returns neither K nor such a count, K is not a vertex of the convex hull
     * of the optimal distortions and no λ gives K clusters.
     */
    private Relaxation search(int size, double lambda, int solves) {
        int n = sorted.length;
        PenalizedSegmentation relaxation = new PenalizedSegmentation(prefix, prefixSquares, reciprocal, parallel);
        // a normal solve costs about 2 n log₂(n/K) candidates; far more means blocks of a few rows
        long budget = 8L * n * (32 - Integer.numberOfLeadingZeros(n));
        double low = 0; // more than K clusters here
        double high = Double.POSITIVE_INFINITY; // fewer than K clusters here
        int lowCount = 0; // 0 while unknown
        int highCount = 0;
        double lowDistortion = 0;
        double highDistortion = 0;
        int sameSide = 0;
        boolean lastTooMany = false;
        boolean fitted = false;
        boolean chord = false;
        for (int solve = 0; solve < solves; solve++) {
            int clusters = relaxation.solve(lambda, budget);
            if (clusters == size) {
                return new Relaxation(lambda, relaxation.borders(size));
            }
            if (chord && (clusters >= lowCount || clusters <= highCount)) {
                return null;
            }
            // over budget: blocks of a few rows, so clusters far shorter than K would give
            boolean tooMany = clusters < 0 || clusters > size;
            sameSide = solve > 0 && tooMany == lastTooMany ? sameSide + 1 : 1;
            lastTooMany = tooMany;
            if (tooMany) {
                low = lambda;
                if (clusters > 0) {
                    lowCount = clusters;
                    lowDistortion = relaxation.distortion(clusters);
                }
            } else {
                high = lambda;
                highCount = clusters;
                highDistortion = relaxation.distortion(clusters);
            }
            double next;
            chord = false;
            if (lowCount > 0 && highCount > 0) {
                if (!fitted) {
                    // fit distortion = A + C / count² through the exact optima on either side of K
                    double scale = (highDistortion - lowDistortion)
                            / (1.0 / ((double) highCount * highCount) - 1.0 / ((double) lowCount * lowCount));
                    next = multiplier(scale, 1, size);
                    fitted = true;
                } else {
                    next = Double.NaN;
                }
                if (!(next > low && next < high)) {
                    next = (highDistortion - lowDistortion) / (lowCount - highCount);
                    chord = true;
                }
            } else if (high != Double.POSITIVE_INFINITY && clusters < 0) {
                next = Math.sqrt(low * high);
            } else if (clusters < 0) {
                next = 4 * lambda;
            } else {
                next = multiplier(relaxation.distortion(clusters), clusters, size);
                // a guess that does not move towards K is nudged; repeated misses on one side double the step
                next = tooMany ? Math.max(next, lambda * 1.01) : Math.min(next, lambda / 1.01);
                if (sameSide > 2) {
                    next = lambda + (next - lambda) * Math.pow(2, sameSide - 2);
                }
                if (!(next > low && next < high)) {
                    next = high == Double.POSITIVE_INFINITY ? 4 * low : low == 0 ? high / 4 : Math.sqrt(low * high);
                }
            }
            lambda = next;
        }
        return null;
    }

    /**
     * The λ midway between the costs of the K-th and (K+1)-th cluster when the optimal distortion
     * with c clusters is {@code distortion}·{@code count}²/c².
     */
    private static double multiplier(double distortion, int count, int size) {
        double scale = distortion * count * (double) count;
        return scale * (1 / ((size - 0.5) * (size - 0.5)) - 1 / ((size + 0.5) * (size + 0.5)));
    }

    /** M(row, column) of the current layer: D_{k−1}(column) + SSE(column, row), +∞ when column ≥ row. */
    private double value(int row, int column) {
        if (column >= row) {
            return Double.POSITIVE_INFINITY;
        }
        double sum = prefix[row] - prefix[column];
        return previous[column] + (prefixSquares[row] - prefixSquares[column] - sum * sum * reciprocal[row - column]);
    }

    private int[] solve(int size) {
        int n = prefix.length - 1;
        previous = new double[n + 1];
        current = new double[n + 1];
        int[][] choices = new int[size][];
        for (int i = 1; i <= n; i++) {
            double sum = prefix[i];
            previous[i] = Math.max(0, prefixSquares[i] - sum * sum * reciprocal[i]);
        }
        int[] columns = new int[n];
        for (int j = 0; j < n; j++) {
            columns[j] = j;
        }
        int[] borders = new int[size + 1];
        borders[size] = n;
        if (size == 1) {
            return borders;
        }
        for (int k = 1; k < size - 1; k++) {
            choice = new int[n + 1];
            // clusters 0..k cover [0, i) with i >= k + 1; cluster k starts at j in [k, i - 1]
            fillLayer(columns, k + 1, n, k, n - 1);
            choices[k] = choice;
            double[] swap = previous;
            previous = current;
            current = swap;
        }
        // of the last layer only row n, the whole vector, is needed: one scan instead of a layer
        int last = size - 1;
        int end = scanRow(n, last, n - 1);
        borders[last] = end;
        for (int k = last - 1; k >= 1; k--) {
            end = choices[k][end];
            borders[k] = end;
        }
        return borders;
    }

    /** Fills current[i] and choice[i] for rows i in [rowFrom, rowTo] over columns [columnFrom, columnTo]. */
    private void fillLayer(int[] columns, int rowFrom, int rowTo, int columnFrom, int columnTo) {
        fillRows(columns, rowFrom, rowTo, columnFrom, columnTo, parallel ? splitDepth : 0);
    }

    /**
     * Splits the rows at the middle one, whose minimum bounds both halves' columns, {@code splits}
     * times over, so the halves share nothing but read-only data and run on the pool.
     */
    private void fillRows(int[] columns, int rowFrom, int rowTo, int columnFrom, int columnTo, int splits) {
        int rows = rowTo - rowFrom + 1;
        if (rows <= 0) {
            return;
        }
        if (splits == 0 || rows < parallelMinimum) {
            smawk(rowFrom, 1, rows, columns, columnFrom, columnTo - columnFrom + 1, new int[2 * rows + 64], 0);
            return;
        }
        int middle = (rowFrom + rowTo) >>> 1;
        int split = scanRow(middle, columnFrom, Math.min(columnTo, middle - 1));
        choice[middle] = split;
        ForkJoinTask.invokeAll(
                ForkJoinTask.adapt(() -> fillRows(columns, rowFrom, middle - 1, columnFrom, split, splits - 1)),
                ForkJoinTask.adapt(() -> fillRows(columns, middle + 1, rowTo, split, columnTo, splits - 1)));
    }

    /**
     * Returns the leftmost minimum of row {@code row} over columns [from, to] by one scan (from when
     * the range is empty), its value going to current[row].
     */
    private int scanRow(int row, int from, int to) {
        int best = from;
        double bestValue = Double.POSITIVE_INFINITY;
        for (int j = from; j <= to; j++) {
            double candidate = value(row, j);
            if (candidate < bestValue) {
                bestValue = candidate;
                best = j;
            }
        }
        current[row] = bestValue;
        return best;
    }

    /**
     * SMAWK (Aggarwal et al. 1987): the leftmost row minima of the rows rowFrom + t·stride,
     * t in [0, rowCount), over the sorted columns {@code columns[columnOffset, columnOffset + columnCount)}.
     * REDUCE keeps at most one column per row, the odd rows recurse on those, and each even row
     * searches only between its neighbours' minima. Reduced column lists go to {@code scratch} from
     * {@code scratchOffset} on, at most 2·rowCount ints over all levels.
     */
    private void smawk(
            int rowFrom,
            int stride,
            int rowCount,
            int[] columns,
            int columnOffset,
            int columnCount,
            int[] scratch,
            int scratchOffset) {
        if (rowCount == 0) {
            return;
        }
        int[] reduced = columns;
        int reducedOffset = columnOffset;
        int reducedCount = columnCount;
        int nextScratch = scratchOffset;
        if (columnCount > rowCount) {
            int top = -1;
            for (int c = columnOffset; c < columnOffset + columnCount; c++) {
                int column = columns[c];
                while (top >= 0) {
                    int row = rowFrom + top * stride;
                    // ties keep the left column: with +∞ above the diagonal it may still win a later row
                    if (value(row, scratch[scratchOffset + top]) <= value(row, column)) {
                        break;
                    }
                    top--;
                }
                if (top + 1 < rowCount) {
                    scratch[scratchOffset + ++top] = column;
                }
            }
            reduced = scratch;
            reducedOffset = scratchOffset;
            reducedCount = top + 1;
            nextScratch = scratchOffset + rowCount;
        }
        if (rowCount > 1) {
            smawk(
                    rowFrom + stride,
                    2 * stride,
                    rowCount / 2,
                    reduced,
                    reducedOffset,
                    reducedCount,
                    scratch,
                    nextScratch);
        }
        int position = reducedOffset;
        int last = reducedOffset + reducedCount - 1;
        for (int t = 0; t < rowCount; t += 2) {
            int row = rowFrom + t * stride;
            int stop = t + 1 < rowCount ? choice[row + stride] : reduced[last];
            double best = Double.POSITIVE_INFINITY;
            int bestColumn = reduced[position];
            while (true) {
                int column = reduced[position];
                double candidate = value(row, column);
                if (candidate < best) {
                    best = candidate;
                    bestColumn = column;
                }
                if (column == stop) {
                    break;
                }
                position++;
            }
            current[row] = best;
            choice[row] = bestColumn;
        }
    }
}
