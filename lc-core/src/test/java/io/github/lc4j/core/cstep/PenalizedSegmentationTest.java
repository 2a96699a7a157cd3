package io.github.lc4j.core.cstep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** The blocked relaxation solver against the quadratic recurrence it shortcuts. */
class PenalizedSegmentationTest {
    @RepeatedTest(20)
    void blocksGiveTheQuadraticRecurrencesOptimum(RepetitionInfo repetition) {
        SplittableRandom random = new SplittableRandom(700 + repetition.getCurrentRepetition());
        // several blocks of at least 256 rows, clusters both shorter and longer than a block
        int n = 300 + random.nextInt(2_500);
        float[] x = new float[n];
        int clumps = 1 + random.nextInt(8);
        for (int i = 0; i < n; i++) {
            x[i] = random.nextInt(15) == 0
                    ? (float) (random.nextGaussian() * 5)
                    : (float) (random.nextInt(clumps) * 3 + random.nextGaussian() * 0.2);
        }
        float[] sorted = FloatRadixSort.sortedCopy(x);
        double[] prefix = new double[n + 1];
        double[] squares = new double[n + 1];
        double[] reciprocal = new double[n + 1];
        for (int i = 0; i < n; i++) {
            prefix[i + 1] = prefix[i] + sorted[i];
            squares[i + 1] = squares[i] + (double) sorted[i] * sorted[i];
            reciprocal[i + 1] = 1.0 / (i + 1);
        }
        double total = squares[n] - prefix[n] * prefix[n] / n;
        for (boolean parallel : new boolean[] {false, true}) {
            PenalizedSegmentation relaxation = new PenalizedSegmentation(prefix, squares, reciprocal, parallel);
            for (double fraction : new double[] {1e-4, 3e-3, 0.05, 0.4}) {
                double lambda = total * fraction;
                int clusters = relaxation.solve(lambda, Long.MAX_VALUE);
                double expected = quadraticRecurrence(prefix, squares, lambda);
                double actual = relaxation.distortion(clusters) + lambda * clusters;
                assertEquals(expected, actual, 1e-9 * expected, "n=" + n + " λ=" + lambda);
                int[] borders = relaxation.borders(clusters);
                assertEquals(0, borders[0]);
                assertEquals(n, borders[clusters]);
                double distortion = 0;
                for (int c = 0; c < clusters; c++) {
                    assertTrue(borders[c] < borders[c + 1], "empty cluster " + c);
                    double sum = prefix[borders[c + 1]] - prefix[borders[c]];
                    distortion +=
                            squares[borders[c + 1]] - squares[borders[c]] - sum * sum / (borders[c + 1] - borders[c]);
                }
                assertEquals(relaxation.distortion(clusters), distortion, 1e-9 * Math.max(1, expected));
            }
        }
    }

    @Test
    void longBlocksSplitOverCoresGiveTheSameOptimum() {
        SplittableRandom random = new SplittableRandom(41);
        float[] x = new float[100_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * (i % 9 == 0 ? 2 : 1));
        }
        float[] sorted = FloatRadixSort.sortedCopy(x);
        Prefix prefix = new Prefix(sorted);
        // about three clusters: blocks of some 30,000 rows, beyond the two-core threshold
        double lambda = prefix.total() * 0.08;
        PenalizedSegmentation sequential = prefix.relaxation(false);
        PenalizedSegmentation parallel = prefix.relaxation(true);
        int clusters = sequential.solve(lambda, Long.MAX_VALUE);
        assertEquals(clusters, parallel.solve(lambda, Long.MAX_VALUE));
        assertTrue(clusters >= 3, clusters + " clusters");
        assertArrayEquals(sequential.borders(clusters), parallel.borders(clusters));
        // a relaxation optimum with c clusters is an optimal c-clustering
        int[] layered = ExactKMeans1D.layeredBorders(sorted, clusters, Integer.MAX_VALUE);
        double expected = prefix.distortion(layered);
        assertEquals(expected, parallel.distortion(clusters), 1e-9 * expected);
        assertEquals(expected, prefix.distortion(parallel.borders(clusters)), 1e-9 * expected);
    }

    @Test
    void aSolvePastItsBudgetStops() {
        SplittableRandom random = new SplittableRandom(43);
        float[] x = new float[20_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        Prefix prefix = new Prefix(FloatRadixSort.sortedCopy(x));
        PenalizedSegmentation relaxation = prefix.relaxation(false);
        // a tiny λ gives clusters of a few values: blocks of 256 rows over long column spans
        assertEquals(-1, relaxation.solve(prefix.total() * 1e-9, 1_000_000));
        assertTrue(relaxation.solve(prefix.total() * 1e-9, Long.MAX_VALUE) > 1_000);
    }

    /** Prefix sums of sorted values, as the solver takes them. */
    private record Prefix(double[] sums, double[] squares, double[] reciprocal) {
        Prefix(float[] sorted) {
            this(new double[sorted.length + 1], new double[sorted.length + 1], new double[sorted.length + 1]);
            for (int i = 0; i < sorted.length; i++) {
                sums[i + 1] = sums[i] + sorted[i];
                squares[i + 1] = squares[i] + (double) sorted[i] * sorted[i];
                reciprocal[i + 1] = 1.0 / (i + 1);
            }
        }

        PenalizedSegmentation relaxation(boolean parallel) {
            return new PenalizedSegmentation(sums, squares, reciprocal, parallel);
        }

        double total() {
            int n = sums.length - 1;
            return squares[n] - sums[n] * sums[n] / n;
        }

        double distortion(int[] borders) {
            double total = 0;
            for (int c = 0; c + 1 < borders.length; c++) {
                double sum = sums[borders[c + 1]] - sums[borders[c]];
                total += squares[borders[c + 1]] - squares[borders[c]] - sum * sum / (borders[c + 1] - borders[c]);
            }
            return total;
        }
    }

    /** F(i) = λ + min over every j &lt; i of F(j) + SSE(j, i). */
    private static double quadraticRecurrence(double[] prefix, double[] squares, double lambda) {
        int n = prefix.length - 1;
        double[] best = new double[n + 1];
        for (int i = 1; i <= n; i++) {
            best[i] = Double.POSITIVE_INFINITY;
            for (int j = 0; j < i; j++) {
                double sum = prefix[i] - prefix[j];
                best[i] = Math.min(best[i], best[j] + squares[i] - squares[j] - sum * sum / (i - j) + lambda);
            }
        }
        return best[n];
    }
}
