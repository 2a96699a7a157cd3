package io.github.lc4j.core.cstep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.Codebook.Adaptive.Method;
import io.github.lc4j.api.spi.CStepKernels;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** The exact adaptive solver against brute force over every assignment of small vectors. */
class ExactKMeansTest {
    private static CStepSolution solve(float[] x, int k, Method method) {
        return CStepSolvers.forCodebook(Codebook.adaptive(k, method), 1, CStepKernels.DEFAULT)
                .solve(x, null);
    }

    /** Minimum over all K^n assignments of Σ (x − mean of its group)², empty groups allowed. */
    private static double bruteForce(float[] x, int k) {
        int n = x.length;
        int[] assignment = new int[n];
        double best = Double.POSITIVE_INFINITY;
        while (true) {
            double[] sums = new double[k];
            int[] counts = new int[k];
            for (int i = 0; i < n; i++) {
                sums[assignment[i]] += x[i];
                counts[assignment[i]]++;
            }
            double cost = 0;
            for (int i = 0; i < n; i++) {
                double mean = sums[assignment[i]] / counts[assignment[i]];
                cost += (x[i] - mean) * (x[i] - mean);
            }
            best = Math.min(best, cost);
            int position = 0;
            while (position < n && ++assignment[position] == k) {
                assignment[position++] = 0;
            }
            if (position == n) {
                return best;
            }
        }
    }

    @RepeatedTest(40)
    void exactIsNeverWorseThanExhaustiveSearch(RepetitionInfo repetition) {
        SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition());
        int n = 2 + random.nextInt(7);
        int k = 1 + random.nextInt(4);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // a few repeated values and mixed scales make the cases less tame
            x[i] = random.nextInt(4) == 0 ? 1.5f : (float) (random.nextGaussian() * Math.pow(10, random.nextInt(3)));
        }
        double best = bruteForce(x, k);
        CStepSolution exact = solve(x, k, Method.EXACT);
        assertEquals(k, exact.values().length);
        assertTrue(
                exact.distortion() <= best * (1 + 1e-6) + 1e-9,
                "exact " + exact.distortion() + " > brute force " + best + " for K=" + k + " x=" + Arrays.toString(x));
        CStepSolution lloyd = solve(x, k, Method.LLOYD);
        assertTrue(exact.distortion() <= lloyd.distortion() * (1 + 1e-6) + 1e-9, "exact worse than Lloyd");
    }

    /** The textbook O(K n²) dynamic program over the sorted values, at most K clusters. */
    private static double quadraticDynamicProgram(float[] x, int k) {
        double[] sorted = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            sorted[i] = x[i];
        }
        Arrays.sort(sorted);
        int n = sorted.length;
        double[][] cost = new double[n + 1][n + 1];
        for (int from = 0; from < n; from++) {
            double sum = 0;
            for (int to = from + 1; to <= n; to++) {
                sum += sorted[to - 1];
                double mean = sum / (to - from);
                double squares = 0;
                for (int i = from; i < to; i++) {
                    squares += (sorted[i] - mean) * (sorted[i] - mean);
                }
                cost[from][to] = squares;
            }
        }
        double[] best = cost[0].clone();
        for (int clusters = 2; clusters <= k; clusters++) {
            double[] next = best.clone();
            for (int to = 1; to <= n; to++) {
                for (int from = 1; from < to; from++) {
                    next[to] = Math.min(next[to], best[from] + cost[from][to]);
                }
            }
            best = next;
        }
        return best[n];
    }

    @RepeatedTest(25)
    void exactMatchesTheQuadraticDynamicProgram(RepetitionInfo repetition) {
        SplittableRandom random = new SplittableRandom(100 + repetition.getCurrentRepetition());
        int n = 20 + random.nextInt(220);
        float[] x = new float[n];
        int clumps = 1 + random.nextInt(6);
        for (int i = 0; i < n; i++) {
            // clumps, repeats and outliers: the shapes where a wrong row minimum would show
            x[i] = random.nextInt(10) == 0
                    ? (float) Math.round(random.nextGaussian() * 3)
                    : (float) (random.nextInt(clumps) * 2 + random.nextGaussian() * 0.3 * (1 + random.nextInt(3)));
        }
        for (int k : new int[] {2, 3, 4, 7, 12}) {
            double expected = quadraticDynamicProgram(x, k);
            double exact = solve(x, k, Method.EXACT).distortion();
            assertEquals(expected, exact, 1e-9 * Math.max(1, expected), "K=" + k + " n=" + n);
        }
    }

    @Test
    void exactBeatsOrMatchesLloydOnLargerVectors() {
        SplittableRandom random = new SplittableRandom(3);
        float[] x = new float[20_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (i % 5 == 0 ? random.nextGaussian() * 3 + 4 : random.nextGaussian());
        }
        for (int k : new int[] {2, 3, 5, 8, 16}) {
            CStepSolution exact = solve(x, k, Method.EXACT);
            CStepSolution lloyd = solve(x, k, Method.LLOYD);
            assertTrue(
                    exact.distortion() <= lloyd.distortion() * (1 + 1e-7),
                    "K=" + k + ": exact " + exact.distortion() + " > Lloyd " + lloyd.distortion());
        }
    }

    @Test
    void degenerateInputs() {
        float[] equal = {2.5f, 2.5f, 2.5f, 2.5f};
        CStepSolution flat = solve(equal, 3, Method.EXACT);
        assertEquals(0, flat.distortion(), 0);
        assertEquals(3, flat.values().length);

        float[] fewer = {1, 2};
        assertEquals(0, solve(fewer, 5, Method.EXACT).distortion(), 0);

        float[] zeros = {0f, -0f, 0f, 1f, -1f};
        CStepSolution signed = solve(zeros, 3, Method.EXACT);
        assertEquals(0, signed.distortion(), 0);
        assertEquals(3, signed.values().length, "0 and -0 are one value");

        float[] wide = {1e-30f, 2e-30f, 1e30f, 1.1e30f, -1e30f};
        CStepSolution scaled = solve(wide, 3, Method.EXACT);
        assertTrue(scaled.distortion() <= 0.06e60, "distortion " + scaled.distortion());
    }

    @Test
    void radixSortOrdersLikeArraysSort() {
        SplittableRandom random = new SplittableRandom(5);
        float[] x = new float[5000];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (i % 5) {
                case 0 -> (float) random.nextGaussian();
                case 1 -> -0f;
                case 2 -> (float) (random.nextGaussian() * 1e30);
                case 3 -> Float.MIN_VALUE * random.nextInt(100);
                default -> -(float) random.nextDouble();
            };
        }
        float[] expected = x.clone();
        Arrays.sort(expected);
        float[] actual = FloatRadixSort.sortedCopy(x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(expected[i], actual[i], 0, "position " + i);
        }
    }

    /**
     * The previous O(K n log n) solver: each layer's row minima by divide and conquer over the
     * monotone optimal column. An independent oracle for vectors too long for the quadratic program.
     */
    private static double divideAndConquerDistortion(float[] sorted, int k) {
        int n = sorted.length;
        double mean = 0;
        for (float value : sorted) {
            mean += value;
        }
        mean /= n;
        double[] prefix = new double[n + 1];
        double[] squares = new double[n + 1];
        for (int i = 0; i < n; i++) {
            double centred = sorted[i] - mean; // S2 − S1²/m loses digits on values far from 0
            prefix[i + 1] = prefix[i] + centred;
            squares[i + 1] = squares[i] + centred * centred;
        }
        double[] previous = new double[n + 1];
        for (int i = 1; i <= n; i++) {
            previous[i] = squares[i] - prefix[i] * prefix[i] / i;
        }
        for (int layer = 1; layer < k; layer++) {
            double[] current = new double[n + 1];
            fillByDivideAndConquer(prefix, squares, previous, current, layer + 1, n, layer, n - 1);
            previous = current;
        }
        return previous[n];
    }

    private static void fillByDivideAndConquer(
            double[] prefix,
            double[] squares,
            double[] previous,
            double[] current,
            int from,
            int to,
            int low,
            int high) {
        if (from > to) {
            return;
        }
        int middle = (from + to) >>> 1;
        int best = low;
        double bestValue = Double.POSITIVE_INFINITY;
        for (int j = low; j <= Math.min(high, middle - 1); j++) {
            double sum = prefix[middle] - prefix[j];
            double value = previous[j] + squares[middle] - squares[j] - sum * sum / (middle - j);
            if (value < bestValue) {
                bestValue = value;
                best = j;
            }
        }
        current[middle] = bestValue;
        fillByDivideAndConquer(prefix, squares, previous, current, from, middle - 1, low, best);
        fillByDivideAndConquer(prefix, squares, previous, current, middle + 1, to, best, high);
    }

    private static double distortionOfBorders(float[] sorted, int[] borders) {
        double total = 0;
        for (int c = 0; c + 1 < borders.length; c++) {
            double mean = 0;
            for (int i = borders[c]; i < borders[c + 1]; i++) {
                mean += sorted[i];
            }
            mean /= borders[c + 1] - borders[c];
            for (int i = borders[c]; i < borders[c + 1]; i++) {
                total += (sorted[i] - mean) * (sorted[i] - mean);
            }
        }
        return total;
    }

    @RepeatedTest(4)
    void smawkMatchesDivideAndConquerOnLongVectors(RepetitionInfo repetition) {
        SplittableRandom random = new SplittableRandom(500 + repetition.getCurrentRepetition());
        float[] x = new float[5_000 + random.nextInt(15_000)];
        for (int i = 0; i < x.length; i++) {
            // weights of a trained layer: a narrow bulk, heavy tails and repeated values
            x[i] = random.nextInt(20) == 0
                    ? (float) (random.nextGaussian() * 0.5)
                    : (float) Math.round(random.nextGaussian() * 0.05 * 4096) / 4096;
        }
        float[] sorted = FloatRadixSort.sortedCopy(x);
        for (int k : new int[] {2, 5, 16, 33}) {
            double expected = divideAndConquerDistortion(sorted, k);
            double actual = distortionOfBorders(sorted, ExactKMeans1D.borders(sorted, k));
            assertEquals(expected, actual, 1e-9 * expected, "K=" + k + " n=" + x.length);
        }
    }

    @RepeatedTest(6)
    void relaxationIsOptimalOnLongVectors(RepetitionInfo repetition) {
        int shape = repetition.getCurrentRepetition() % 3;
        SplittableRandom random = new SplittableRandom(900 + repetition.getCurrentRepetition());
        float[] x = new float[5_000 + random.nextInt(40_000)];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (shape) {
                // a trained layer: a narrow bulk, heavy tails and repeated values
                case 0 ->
                    random.nextInt(20) == 0
                            ? (float) (random.nextGaussian() * 0.5)
                            : (float) Math.round(random.nextGaussian() * 0.05 * 4096) / 4096;
                case 1 -> (float) random.nextDouble();
                default -> (float) (Math.log(random.nextDouble()) * (random.nextBoolean() ? 0.1 : -0.1));
            };
        }
        float[] sorted = FloatRadixSort.sortedCopy(x);
        for (int k : new int[] {3, 5, 16, 33, 64}) {
            int[] borders = ExactKMeans1D.relaxedBorders(sorted, k);
            String context = "shape " + shape + " K=" + k + " n=" + x.length;
            // these shapes have a distortion strictly convex in K, so a multiplier must be found
            assertTrue(borders != null, "no λ found: " + context);
            assertEquals(k + 1, borders.length, context);
            assertEquals(0, borders[0], context);
            assertEquals(sorted.length, borders[k], context);
            for (int c = 0; c < k; c++) {
                assertTrue(borders[c] < borders[c + 1], "empty cluster " + c + ": " + context);
            }
            double expected = divideAndConquerDistortion(sorted, k);
            assertEquals(expected, distortionOfBorders(sorted, borders), 1e-9 * expected, context);
        }
    }

    @Test
    void longVectorsSearchTheMultiplierOnASampleFirst() {
        SplittableRandom random = new SplittableRandom(31);
        // from 131,072 values on, λ is first searched on a sample of about 32,768
        float[] x = new float[140_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * (random.nextInt(10) == 0 ? 0.15 : 0.04));
        }
        float[] sorted = FloatRadixSort.sortedCopy(x);
        for (int k : new int[] {4, 16}) {
            int[] borders = ExactKMeans1D.relaxedBorders(sorted, k);
            assertTrue(borders != null, "no λ found for K=" + k);
            double expected = distortionOfBorders(sorted, ExactKMeans1D.layeredBorders(sorted, k, Integer.MAX_VALUE));
            assertEquals(expected, distortionOfBorders(sorted, borders), 1e-9 * expected, "K=" + k);
        }
    }

    @Test
    void theLayersDecideWhereNoMultiplierGivesK() {
        // four groups of 1,024 zeros and 1,024 ones, 10 apart: from 4 to 8 clusters each extra one
        // splits a group and saves exactly 512 (dyadic values, so exactly in floating point too),
        // the optimal distortion is straight there and no λ singles out 5, 6 or 7 clusters
        float[] x = new float[8 * 1024];
        for (int i = 0; i < x.length; i++) {
            x[i] = 10 * (i / 2048) + (i % 2);
        }
        float[] sorted = FloatRadixSort.sortedCopy(x);
        for (int k : new int[] {5, 6, 7}) {
            assertEquals(null, ExactKMeans1D.relaxedBorders(sorted, k), "the relaxation was expected to miss K=" + k);
            assertEquals(null, ExactKMeans1D.optimalBorders(sorted, k, false), "without the layers there is no answer");
            int[] layered = ExactKMeans1D.layeredBorders(sorted, k, Integer.MAX_VALUE);
            assertTrue(Arrays.equals(layered, ExactKMeans1D.borders(sorted, k)), Arrays.toString(layered));
            assertEquals(512.0 * (8 - k), distortionOfBorders(sorted, layered), 0, "K=" + k);
        }
        assertTrue(ExactKMeans1D.relaxedBorders(sorted, 8) != null, "8 clusters are a vertex: every value its own");
        // AUTO beyond EXACT_BUDGET asks without the layers and then runs Lloyd
        assertEquals(null, KMeansSolver.exactCentroids(new SortedValues(x), 6, false));
        assertEquals(6, KMeansSolver.exactCentroids(new SortedValues(x), 6, true).length);
    }

    @Test
    void splittingLayersOverCoresChangesNoBorder() {
        SplittableRandom random = new SplittableRandom(9);
        float[] x = new float[120_001];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * (i % 7 == 0 ? 3 : 1));
        }
        float[] sorted = FloatRadixSort.sortedCopy(x);
        for (int k : new int[] {2, 16}) {
            int[] sequential = ExactKMeans1D.layeredBorders(sorted, k, Integer.MAX_VALUE);
            // split every layer at its middle row, each half on the pool
            int[] split = ExactKMeans1D.layeredBorders(sorted, k, 1_000);
            assertTrue(
                    Arrays.equals(sequential, split),
                    "K=" + k + ": " + Arrays.toString(sequential) + " vs " + Arrays.toString(split));
        }
    }
}
