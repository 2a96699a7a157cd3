package io.github.lc4j.core.cstep;

import static io.github.lc4j.api.support.Checks.checkArgument;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.spi.CStepKernels;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * 1-D k-means for adaptive and partially fixed codebooks. Three solvers share the sorted values
 * and their prefix sums:
 * <ul>
 *   <li>exact: the globally optimal solver of {@link ExactKMeans1D} (adaptive only), at every C
 *       step under {@code EXACT} and {@code AUTO};</li>
 *   <li>Lloyd warm-started from the previous codebook; cluster borders are the midpoints between
 *       consecutive centroids, so each iteration costs O(K log n); it never increases the
 *       distortion;</li>
 *   <li>k-means++ seeding followed by Lloyd, for a cold start under {@code LLOYD}, or under
 *       {@code AUTO} where the exact solver would be slow (see {@link #EXACT_BUDGET}).</li>
 * </ul>
 * Pinned centroids (partially fixed codebooks) never move.
 */
final class KMeansSolver implements CStepSolver {
    /**
     * Under {@code AUTO}, the K-layer program backs the relaxation up only where n·K is at most this
     * (about 1 s on 2 cores); beyond it a missed relaxation falls back to Lloyd.
     */
    static final long EXACT_BUDGET = 32_000_000L;

    private static final int MAX_ITERATIONS = 10_000;

    /** The most Lloyd passes of one {@link #refine}. */
    static final int REFINE_PASSES = 2;

    private final int learnedCount;
    private final double[] pinned;
    private final long seed;
    private final CStepKernels kernels;
    private final Codebook.Adaptive.Method method;

    /**
     * Creates a solver.
     *
     * @param learnedCount how many centroids are learned (&gt;= 1)
     * @param pinned       sorted distinct values that are always in the codebook (may be empty)
     * @param seed         seed of the k-means++ sampling
     * @param kernels      the per-weight kernels used for the final assignment
     * @param method       exact, Lloyd or automatic; pinned values force Lloyd
     */
    KMeansSolver(int learnedCount, float[] pinned, long seed, CStepKernels kernels, Codebook.Adaptive.Method method) {
        checkArgument(learnedCount >= 1, "k-means needs >= 1 learned centroid, got %d", learnedCount);
        this.learnedCount = learnedCount;
        this.pinned = new double[pinned.length];
        for (int i = 0; i < pinned.length; i++) {
            this.pinned[i] = pinned[i];
        }
        this.seed = seed;
        this.kernels = kernels;
        this.method = pinned.length > 0 ? Codebook.Adaptive.Method.LLOYD : method;
    }

    @Override
    public CStepSolution solve(float[] x, CStepSolution previous) {
        checkArgument(x.length > 0, "cannot quantize an empty vector");
        SortedValues data = new SortedValues(x);
        int size = learnedCount + pinned.length;
        if (method != Codebook.Adaptive.Method.LLOYD) {
            // AUTO bounds the time: where the relaxation misses, the K layers up to EXACT_BUDGET, Lloyd beyond
            boolean layers = method == Codebook.Adaptive.Method.EXACT || (long) x.length * size <= EXACT_BUDGET;
            double[] optimal = exactCentroids(data, size, layers);
            if (optimal != null) {
                return Codebooks.finish(x, Codebooks.toDistinctFloats(optimal), Double.NaN, kernels);
            }
        }
        double[] centroids = warmStart(previous);
        if (centroids == null) {
            centroids = seedCentroids(data);
        }
        lloyd(data, centroids, pinnedMask(centroids));
        return Codebooks.finish(x, Codebooks.toDistinctFloats(centroids), Double.NaN, kernels);
    }

    /**
     * Lloyd from {@code previous}'s codebook on the unsorted values: each pass assigns every value
     * to its nearest centroid (ties to the lower one, as {@link #lloyd} does) and moves the
     * learned centroids to their clusters' means, until no centroid moves or after
     * {@value #REFINE_PASSES} passes. Each pass costs O(n log K) where a sort would cost more than
     * the few passes a slightly moved input needs; a capped refinement still never raises the
     * distortion, and the next call continues from where it stopped. Falls back to {@link #solve}
     * without a usable previous solution.
     */
    @Override
    public CStepSolution refine(float[] x, CStepSolution previous) {
        double[] centroids = warmStart(previous);
        if (centroids == null) {
            return solve(x, previous);
        }
        int size = centroids.length;
        boolean[] fixed = pinnedMask(centroids);
        double[] midpoints = new double[size - 1];
        double[] sums = new double[size];
        long[] counts = new long[size];
        for (int pass = 0; pass < REFINE_PASSES; pass++) {
            for (int k = 0; k + 1 < size; k++) {
                midpoints[k] = (centroids[k] + centroids[k + 1]) / 2;
            }
            Arrays.fill(sums, 0);
            Arrays.fill(counts, 0);
            for (float value : x) {
                int k = cluster(value, midpoints);
                sums[k] += value;
                counts[k]++;
            }
            boolean moved = false;
            for (int k = 0; k < size; k++) {
                if (!fixed[k] && counts[k] > 0) {
                    double mean = sums[k] / counts[k];
                    moved |= mean != centroids[k];
                    centroids[k] = mean;
                }
            }
            if (!moved) {
                break;
            }
        }
        // on the host: a backend's kernels cost a round trip per call, several per minibatch here
        return Codebooks.finish(x, Codebooks.toDistinctFloats(centroids), Double.NaN, CStepKernels.DEFAULT);
    }

    /**
     * The previous codebook as starting centroids, or null when there is none of this size or it
     * lost a pinned value.
     */
    private double[] warmStart(CStepSolution previous) {
        int size = learnedCount + pinned.length;
        if (previous == null || previous.values().length != size) {
            return null;
        }
        double[] centroids = new double[size];
        for (int k = 0; k < size; k++) {
            centroids[k] = previous.values()[k];
        }
        return countTrue(pinnedMask(centroids)) == pinned.length ? centroids : null;
    }

    /** The index of the first midpoint at or above {@code value}: its cluster. */
    private static int cluster(float value, double[] midpoints) {
        int low = 0;
        int high = midpoints.length;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (value > midpoints[middle]) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /**
     * Returns the globally optimal centroids, with too few distinct values the extras above the
     * largest; null when the Lagrangian relaxation found no multiplier and {@code layers} is false.
     */
    static double[] exactCentroids(SortedValues data, int size, boolean layers) {
        float[] sorted = data.sorted;
        int distinct = data.distinctCount();
        double[] centroids = new double[size];
        if (distinct <= size) {
            int next = 0;
            for (int i = 0; i < sorted.length; i++) {
                if (i == 0 || sorted[i] != sorted[i - 1]) {
                    centroids[next++] = sorted[i];
                }
            }
            double step = Math.max(Math.abs(sorted[sorted.length - 1]), 1e-30) * 1e-6;
            for (; next < size; next++) {
                centroids[next] = centroids[next - 1] + step;
            }
            return centroids;
        }
        int[] borders = ExactKMeans1D.optimalBorders(sorted, size, layers);
        if (borders == null) {
            return null;
        }
        for (int c = 0; c < size; c++) {
            centroids[c] = data.sum(borders[c], borders[c + 1]) / (borders[c + 1] - borders[c]);
        }
        return centroids;
    }

    /** Runs Lloyd to convergence in place; {@code centroids} stay sorted. */
    static void lloyd(SortedValues data, double[] centroids, boolean[] fixed) {
        int size = centroids.length;
        int[] borders = new int[size + 1];
        int[] previousBorders = new int[size + 1];
        Arrays.fill(previousBorders, -1);
        borders[size] = data.size();
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            for (int k = 0; k + 1 < size; k++) {
                borders[k + 1] = data.upperBound((centroids[k] + centroids[k + 1]) / 2);
            }
            if (Arrays.equals(borders, previousBorders)) {
                return;
            }
            for (int k = 0; k < size; k++) {
                int count = borders[k + 1] - borders[k];
                if (!fixed[k] && count > 0) {
                    centroids[k] = data.sum(borders[k], borders[k + 1]) / count;
                }
            }
            sortTogether(centroids, fixed);
            System.arraycopy(borders, 0, previousBorders, 0, borders.length);
        }
    }

    /**
     * k-means++ in 1-D, pinned values counting as already chosen centres. On sorted values the
     * D² mass of each centre's cell is a prefix-sum expression, so a draw costs O(K log n) instead
     * of a pass over all n values: pick a cell by its mass, then the value inside it by binary
     * search on the cell's cumulative mass.
     */
    private double[] seedCentroids(SortedValues data) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = data.size();
        double[] centroids = new double[learnedCount + pinned.length];
        int chosen = 0;
        for (double value : pinned) {
            centroids[chosen++] = value;
        }
        double spread = Math.max(Math.abs(data.sorted[0]), Math.abs(data.sorted[n - 1]));
        double step = spread > 0 ? spread * 1e-6 : 1e-6;
        while (chosen < centroids.length) {
            double candidate;
            if (chosen == 0) {
                candidate = data.sorted[random.nextInt(n)];
            } else {
                double[] centres = Arrays.copyOf(centroids, chosen);
                Arrays.sort(centres);
                int[] borders = new int[chosen + 1];
                borders[chosen] = n;
                for (int c = 0; c + 1 < chosen; c++) {
                    borders[c + 1] = data.upperBound((centres[c] + centres[c + 1]) / 2);
                }
                double[] masses = new double[chosen];
                double total = 0;
                for (int c = 0; c < chosen; c++) {
                    masses[c] = data.squaredError(borders[c], borders[c + 1], centres[c]);
                    total += masses[c];
                }
                if (!(total > 0)) {
                    candidate = max(centroids, chosen) + step; // fewer distinct values than centroids
                } else {
                    double target = random.nextDouble() * total;
                    int cell = 0;
                    while (cell + 1 < chosen && target >= masses[cell]) {
                        target -= masses[cell];
                        cell++;
                    }
                    candidate = data.sorted[drawInCell(data, borders[cell], borders[cell + 1], centres[cell], target)];
                }
            }
            if (contains(centroids, chosen, candidate)) {
                candidate = max(centroids, chosen) + step;
            }
            centroids[chosen++] = candidate;
        }
        Arrays.sort(centroids);
        return centroids;
    }

    /** Returns the first index i in [from, to) whose cumulative D² mass from {@code from} exceeds {@code target}. */
    private static int drawInCell(SortedValues data, int from, int to, double centre, double target) {
        int low = from;
        int high = to - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (data.squaredError(from, middle + 1, centre) > target) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        return low;
    }

    private static boolean contains(double[] values, int count, double candidate) {
        for (int i = 0; i < count; i++) {
            if (values[i] == candidate) {
                return true;
            }
        }
        return false;
    }

    private static double max(double[] values, int count) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            max = Math.max(max, values[i]);
        }
        return max;
    }

    private boolean[] pinnedMask(double[] centroids) {
        boolean[] mask = new boolean[centroids.length];
        for (double value : pinned) {
            for (int k = 0; k < centroids.length; k++) {
                if (!mask[k] && centroids[k] == value) {
                    mask[k] = true;
                    break;
                }
            }
        }
        return mask;
    }

    private static int countTrue(boolean[] mask) {
        int count = 0;
        for (boolean value : mask) {
            count += value ? 1 : 0;
        }
        return count;
    }

    private static void sortTogether(double[] centroids, boolean[] fixed) {
        for (int i = 1; i < centroids.length; i++) {
            double value = centroids[i];
            boolean flag = fixed[i];
            int j = i - 1;
            while (j >= 0 && centroids[j] > value) {
                centroids[j + 1] = centroids[j];
                fixed[j + 1] = fixed[j];
                j--;
            }
            centroids[j + 1] = value;
            fixed[j + 1] = flag;
        }
    }
}
