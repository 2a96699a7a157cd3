package io.github.lc4j.core.cstep;

import java.util.concurrent.ForkJoinTask;

/**
 * The Lagrangian relaxation of 1-D k-means: over segmentations of the sorted values into any
 * number of contiguous clusters, minimise Σ SSE + λ·(number of clusters). Its optimum satisfies
 * F(i) = λ + min_{j &lt; i} F(j) + SSE(j, i), F(0) = 0, one row-minimum per value instead of one per
 * value and cluster. If that optimum has exactly K clusters, it is an optimal K-clustering: any
 * K-clustering P has SSE(P) + λK ≥ F(n) = SSE(optimum) + λK. Whether some λ gives K clusters is
 * what {@link ExactKMeans1D} searches for, falling back to the K-layer program when none does.
 *
 * <p>SSE satisfies the quadrangle inequality, so the leftmost minimising j is non-decreasing in i.
 * Rows are filled in blocks of about one cluster's length: a block's rows search the already final
 * columns [start of the row before the block, block start) by divide and conquer over that
 * monotone minimum. A column j inside the block costs at least F(j) + λ ≥ F(block start) + λ (F never
 * decreases as values are added), so each row whose minimum over the final columns is at most that
 * is final too; the block ends before the first row that is not, and the next block starts there.
 */
final class PenalizedSegmentation {
    /** The fewest rows a block takes, however short the current cluster. */
    private static final int MINIMUM_BLOCK = 256;

    /** Blocks with at least this many rows fill their two halves on two cores. */
    private static final int PARALLEL_BLOCK = 1 << 14;

    private final double[] prefix;
    private final double[] prefixSquares;
    private final double[] reciprocal;
    private final boolean parallel;
    private final int n;
    /** F(i) − S2(i), F(i) being the penalised optimum of the first i values: a candidate column's own term. */
    private final double[] shifted;
    /** The first value of the last cluster in the optimum of the first i values. */
    private final int[] lastStart;

    private double lambda;

    PenalizedSegmentation(double[] prefix, double[] prefixSquares, double[] reciprocal, boolean parallel) {
        this.prefix = prefix;
        this.prefixSquares = prefixSquares;
        this.reciprocal = reciprocal;
        this.parallel = parallel;
        n = prefix.length - 1;
        shifted = new double[n + 1];
        lastStart = new int[n + 1];
    }

    /**
     * Solves the relaxation for {@code lambda} &gt; 0 and returns its number of clusters, or −1 when
     * the blocks grew so short that the work passed {@code evaluationBudget} candidate values.
     */
    int solve(double lambda, long evaluationBudget) {
        this.lambda = lambda;
        long evaluations = 0;
        int blockStart = 1;
        int firstColumn = 0;
        while (blockStart <= n) {
            int span = blockStart - firstColumn;
            int blockEnd = (int) Math.min(n, (long) blockStart + Math.max(MINIMUM_BLOCK, span) - 1);
            int rows = blockEnd - blockStart + 1;
            // divide and conquer passes over rows and columns once per level
            evaluations += ((long) rows + span) * (32 - Integer.numberOfLeadingZeros(rows));
            fill(
                    blockStart,
                    blockEnd,
                    firstColumn,
                    blockStart - 1,
                    parallel && blockEnd - blockStart >= PARALLEL_BLOCK);
            double bound = penalized(blockStart) + lambda;
            int lastFinal = blockEnd;
            for (int i = blockStart + 1; i <= blockEnd; i++) {
                if (penalized(i) > bound) {
                    lastFinal = i - 1;
                    break;
                }
            }
            firstColumn = lastStart[lastFinal];
            blockStart = lastFinal + 1;
            if (evaluations > evaluationBudget) {
                return -1;
            }
        }
        int clusters = 0;
        for (int i = n; i > 0; i = lastStart[i]) {
            clusters++;
        }
        return clusters;
    }

    /** The distortion Σ SSE of the last solution with {@code clusters} clusters. */
    double distortion(int clusters) {
        return penalized(n) - lambda * clusters;
    }

    private double penalized(int row) {
        return shifted[row] + prefixSquares[row];
    }

    /** The borders of the last solution, which had {@code clusters} clusters. */
    int[] borders(int clusters) {
        int[] borders = new int[clusters + 1];
        int end = n;
        for (int c = clusters; c > 0; c--) {
            borders[c] = end;
            end = lastStart[end];
        }
        return borders;
    }

    /** Rows [rowFrom, rowTo] over the final columns [columnFrom, columnTo]. */
    private void fill(int rowFrom, int rowTo, int columnFrom, int columnTo, boolean split) {
        while (rowFrom <= rowTo) {
            int middle = (rowFrom + rowTo) >>> 1;
            int best = scanRow(middle, columnFrom, Math.min(columnTo, middle - 1));
            if (split) {
                int lowRows = rowFrom;
                int lowColumns = columnFrom;
                int highRows = rowTo;
                int highColumns = columnTo;
                ForkJoinTask.invokeAll(
                        ForkJoinTask.adapt(() -> fill(lowRows, middle - 1, lowColumns, best, false)),
                        ForkJoinTask.adapt(() -> fill(middle + 1, highRows, best, highColumns, false)));
                return;
            }
            // recurse into the shorter half and loop over the longer, so the stack stays logarithmic
            if (middle - rowFrom < rowTo - middle) {
                fill(rowFrom, middle - 1, columnFrom, best, false);
                rowFrom = middle + 1;
                columnFrom = best;
            } else {
                fill(middle + 1, rowTo, best, columnTo, false);
                rowTo = middle - 1;
                columnTo = best;
            }
        }
    }

    /** Sets row {@code row} to its leftmost minimum over columns [from, to] and returns that column. */
    private int scanRow(int row, int from, int to) {
        double rowSum = prefix[row];
        // two running minima break the compare chain; ties go to the lower column either way
        double even = Double.POSITIVE_INFINITY;
        double odd = Double.POSITIVE_INFINITY;
        int evenColumn = from;
        int oddColumn = from;
        int j = from;
        for (; j < to; j += 2) {
            double d0 = rowSum - prefix[j];
            double d1 = rowSum - prefix[j + 1];
            double v0 = shifted[j] - d0 * d0 * reciprocal[row - j];
            double v1 = shifted[j + 1] - d1 * d1 * reciprocal[row - j - 1];
            if (v0 < even) {
                even = v0;
                evenColumn = j;
            }
            if (v1 < odd) {
                odd = v1;
                oddColumn = j + 1;
            }
        }
        if (j == to) {
            double d0 = rowSum - prefix[j];
            double v0 = shifted[j] - d0 * d0 * reciprocal[row - j];
            if (v0 < even) {
                even = v0;
                evenColumn = j;
            }
        }
        double best = even;
        int column = evenColumn;
        if (odd < best || (odd == best && oddColumn < column)) {
            best = odd;
            column = oddColumn;
        }
        shifted[row] = best + lambda;
        lastStart[row] = column;
        return column;
    }
}
