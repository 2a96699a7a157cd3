package io.github.lc4j.core.cstep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.core.CodebookSpecs;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The C-step solvers against closed forms, brute force and their own optimality conditions. */
class CStepSolversTest {
    private static final CStepKernels KERNELS = CStepKernels.DEFAULT;

    private static float[] gaussian(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * (1 + (i % 3)));
        }
        return x;
    }

    private static double distortion(float[] x, float[] codebook) {
        int[] assignments = new int[x.length];
        KERNELS.assign(x, codebook, assignments);
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - (double) codebook[assignments[i]];
            sum += d * d;
        }
        return sum;
    }

    private static void assertNearestAssignment(float[] x, CStepSolution solution) {
        float[] values = solution.values();
        for (int k = 1; k < values.length; k++) {
            assertTrue(values[k - 1] < values[k], "codebook must be sorted and distinct: " + Arrays.toString(values));
        }
        for (int i = 0; i < x.length; i++) {
            double chosen = Math.abs(x[i] - (double) values[solution.assignments()[i]]);
            for (float value : values) {
                assertTrue(
                        chosen <= Math.abs(x[i] - (double) value), "x[" + i + "]=" + x[i] + " is not at its nearest");
            }
        }
        assertEquals(distortion(x, values), solution.distortion(), 1e-9 * (1 + solution.distortion()));
    }

    /**
     * STE's per-minibatch C step: Lloyd on the unsorted values from the previous codebook never
     * raises the distortion, and repeated calls reach the fixed point of Lloyd on the sorted values
     * from the same start.
     */
    @ParameterizedTest
    @ValueSource(strings = {"adaptive:2", "adaptive:4", "adaptive:16", "partial:0+3"})
    void refiningEqualsLloydFromThePreviousCodebook(String spec) {
        Codebook codebook = CodebookSpecs.parse(spec, null);
        CStepSolver solver = CStepSolvers.forCodebook(codebook, 1, KERNELS);
        CStepSolution previous = solver.solve(gaussian(20_000, 31), null);
        float[] moved = gaussian(20_000, 31);
        SplittableRandom random = new SplittableRandom(32);
        for (int i = 0; i < moved.length; i++) {
            moved[i] += (float) (0.05 * random.nextGaussian());
        }
        CStepSolution refined = solver.refine(moved, previous);
        assertNearestAssignment(moved, refined);
        assertTrue(
                refined.distortion() <= distortion(moved, previous.values()) + 1e-9,
                "refining raised the distortion of the previous codebook");
        // capped passes: calls in a row continue Lloyd until it stops moving
        for (int call = 0; call < 10_000; call++) {
            CStepSolution next = solver.refine(moved, refined);
            assertTrue(next.distortion() <= refined.distortion() + 1e-9, "a refinement raised the distortion");
            if (Arrays.equals(next.values(), refined.values())) {
                break;
            }
            refined = next;
        }
        CStepSolver lloyd = CStepSolvers.forCodebook(
                codebook instanceof Codebook.Adaptive adaptive
                        ? Codebook.adaptive(adaptive.size(), Codebook.Adaptive.Method.LLOYD)
                        : codebook,
                1,
                KERNELS);
        assertArrayEquals(lloyd.solve(moved, previous).values(), refined.values(), 1e-5f, spec);
        assertArrayEquals(
                solver.solve(moved, null).values(),
                solver.refine(moved, null).values(),
                "without a previous solution refining solves");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 8, 16})
    void adaptiveSolutionIsALloydFixedPoint(int k) {
        float[] x = gaussian(5000, k);
        CStepSolution solution =
                CStepSolvers.forCodebook(Codebook.adaptive(k), 1, KERNELS).solve(x, null);
        assertEquals(k, solution.values().length);
        assertNearestAssignment(x, solution);
        double[] sums = new double[k];
        int[] counts = new int[k];
        for (int i = 0; i < x.length; i++) {
            sums[solution.assignments()[i]] += x[i];
            counts[solution.assignments()[i]]++;
        }
        for (int c = 0; c < k; c++) {
            assertTrue(counts[c] > 0, "cluster " + c + " is empty");
            assertEquals(sums[c] / counts[c], solution.values()[c], 1e-5, "centroid " + c + " is not its cluster mean");
        }
    }

    @Test
    void adaptiveWithTwoValuesMatchesExhaustiveSplit() {
        float[] x = gaussian(300, 7);
        float[] sorted = x.clone();
        Arrays.sort(sorted);
        double best = Double.POSITIVE_INFINITY;
        for (int split = 1; split < sorted.length; split++) {
            best = Math.min(best, clusterCost(sorted, 0, split) + clusterCost(sorted, split, sorted.length));
        }
        CStepSolution solution =
                CStepSolvers.forCodebook(Codebook.adaptive(2), 3, KERNELS).solve(x, null);
        assertTrue(
                solution.distortion() <= best * (1 + 1e-6),
                "k-means K=2 " + solution.distortion() + " worse than the best split " + best);
    }

    private static double clusterCost(float[] sorted, int from, int to) {
        double mean = 0;
        for (int i = from; i < to; i++) {
            mean += sorted[i];
        }
        mean /= to - from;
        double cost = 0;
        for (int i = from; i < to; i++) {
            cost += (sorted[i] - mean) * (sorted[i] - mean);
        }
        return cost;
    }

    @Test
    void autoTakesTheOptimumAtEveryCStep() {
        float[] x = gaussian(50_000, 21);
        CStepSolver auto = CStepSolvers.forCodebook(Codebook.adaptive(16), 1, KERNELS);
        CStepSolver exact = CStepSolvers.forCodebook(Codebook.adaptive(16, Codebook.Adaptive.Method.EXACT), 1, KERNELS);
        CStepSolver lloyd = CStepSolvers.forCodebook(Codebook.adaptive(16, Codebook.Adaptive.Method.LLOYD), 1, KERNELS);
        // a poor previous codebook: warm Lloyd stays near it, the optimum does not depend on it
        CStepSolution poor = lloyd.solve(gaussian(50_000, 22), null);
        float[] moved = x.clone();
        for (int i = 0; i < moved.length; i++) {
            moved[i] = moved[i] > 1 ? moved[i] * 3 : moved[i];
        }
        CStepSolution optimum = exact.solve(moved, null);
        assertEquals(optimum.distortion(), auto.solve(moved, poor).distortion(), 1e-12 * optimum.distortion());
        assertTrue(
                lloyd.solve(moved, poor).distortion() > optimum.distortion() * (1 + 1e-6),
                "Lloyd found the optimum too");
    }

    @Test
    void warmStartedLloydNeverIncreasesTheDistortion() {
        CStepSolver solver = CStepSolvers.forCodebook(Codebook.adaptive(4, Codebook.Adaptive.Method.LLOYD), 1, KERNELS);
        float[] x = gaussian(4000, 11);
        CStepSolution previous = solver.solve(x, null);
        SplittableRandom random = new SplittableRandom(12);
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] += (float) (0.05 * random.nextGaussian());
            }
            double before = distortion(x, previous.values());
            CStepSolution next = solver.solve(x, previous);
            assertTrue(next.distortion() <= before + 1e-9, "Lloyd went from " + before + " to " + next.distortion());
            previous = next;
        }
    }

    @Test
    void adaptiveHandlesFewerDistinctValuesThanK() {
        float[] x = {1, 1, 1, 2, 2};
        CStepSolution solution =
                CStepSolvers.forCodebook(Codebook.adaptive(4), 1, KERNELS).solve(x, null);
        assertEquals(4, solution.values().length);
        assertEquals(0, solution.distortion(), 0);
        float[] constant = {0.5f, 0.5f, 0.5f};
        CStepSolution flat =
                CStepSolvers.forCodebook(Codebook.adaptive(2), 1, KERNELS).solve(constant, null);
        assertEquals(0, flat.distortion(), 0);
        assertArrayEquals(constant, flat.reconstruction());
    }

    @Test
    void fixedCodebookAssignsToTheNearestEntryWithTiesDown() {
        float[] x = {-2, -0.5f, 0, 0.49f, 0.5f, 0.51f, 7, -0.0f};
        CStepSolution solution =
                CStepSolvers.forCodebook(Codebook.ternary(), 1, KERNELS).solve(x, null);
        assertArrayEquals(new float[] {-1, -1, 0, 0, 0, 1, 1, 0}, solution.reconstruction());
        assertTrue(Double.isNaN(solution.scale()));
    }

    @Test
    void powersOfTwoCodebookHasTheRightValues() {
        assertArrayEquals(
                new float[] {-1, -0.5f, -0.25f, 0, 0.25f, 0.5f, 1},
                Codebook.powersOfTwo(2).values());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void binaryClosedFormAgreesWithTheSweep(long seed) {
        float[] x = gaussian(777, seed);
        double closed = ScaledCodebookSolver.binaryScale(x);
        double swept = ScaledCodebookSolver.sweepScale(x, new float[] {-1, 1});
        assertEquals(closed, swept, 1e-6 * closed);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void ternaryClosedFormAgreesWithTheSweep(long seed) {
        float[] x = gaussian(777, seed);
        x[5] = 0;
        x[6] = -x[7];
        double closedScale = ScaledCodebookSolver.ternaryScale(x);
        double sweptScale = ScaledCodebookSolver.sweepScale(x, new float[] {-1, 0, 1});
        double closed = distortion(x, new float[] {(float) -closedScale, 0, (float) closedScale});
        double swept = distortion(x, new float[] {(float) -sweptScale, 0, (float) sweptScale});
        assertEquals(closed, swept, 1e-6 * closed, "closed form a=" + closedScale + ", sweep a=" + sweptScale);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "-1,1",
                "-1,0,1",
                "0,1",
                "-3,-1,1,3",
                "-1,-0.5,-0.25,0,0.25,0.5,1",
                "1,2,5",
                "-4,-3,-2,-1,0,1,2,3,4"
            })
    void scaledSweepIsNeverWorseThanADenseScaleGrid(String values) {
        String[] parts = values.split(",");
        float[] shape = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            shape[i] = Float.parseFloat(parts[i]);
        }
        Arrays.sort(shape);
        // long enough for the radix sort, with exact zeros and ties among the breakpoints
        float[] x = gaussian(600, values.hashCode());
        for (int i = 0; i < x.length; i += 37) {
            x[i] = 0;
            x[i + 1] = x[i + 2];
        }
        CStepSolution solution =
                CStepSolvers.forCodebook(Codebook.scaled(shape), 1, KERNELS).solve(x, null);
        assertNearestAssignment(x, solution);
        double best = Double.POSITIVE_INFINITY;
        for (int step = 1; step <= 20000; step++) {
            double a = step * 5e-4;
            float[] scaled = new float[shape.length];
            for (int k = 0; k < shape.length; k++) {
                scaled[k] = (float) (a * shape[k]);
            }
            best = Math.min(best, distortion(x, scaled));
        }
        assertTrue(
                solution.distortion() <= best * (1 + 1e-6),
                "sweep " + solution.distortion() + " (a=" + solution.scale() + ") worse than grid " + best);
    }

    @Test
    void scaledSolverHandlesAllZeroInput() {
        float[] zeros = new float[10];
        CStepSolution solution =
                CStepSolvers.forCodebook(Codebook.scaledTernary(), 1, KERNELS).solve(zeros, null);
        assertEquals(0, solution.distortion(), 0);
        CStepSolution binary =
                CStepSolvers.forCodebook(Codebook.scaledBinary(), 1, KERNELS).solve(zeros, null);
        assertTrue(binary.distortion() < 1e-30, "distortion " + binary.distortion());
    }

    @Test
    void partiallyFixedCodebookKeepsItsPinnedValue() {
        float[] x = gaussian(3000, 21);
        for (int i = 0; i < x.length; i++) {
            x[i] += 2;
        }
        CStepSolver solver = CStepSolvers.forCodebook(Codebook.partiallyFixed(2, 0f), 1, KERNELS);
        CStepSolution solution = solver.solve(x, null);
        assertEquals(3, solution.values().length);
        assertTrue(
                Arrays.binarySearch(solution.values(), 0f) >= 0,
                "0 must stay in " + Arrays.toString(solution.values()));
        assertNearestAssignment(x, solution);
        CStepSolution again = solver.solve(x, solution);
        assertTrue(Arrays.binarySearch(again.values(), 0f) >= 0, "0 must stay after a warm start");
        assertTrue(again.distortion() <= solution.distortion() + 1e-9);
    }

    @ParameterizedTest
    @ValueSource(strings = {"adaptive:16", "adaptive:16:lloyd", "scaled-pow2:4", "partial:0+3"})
    void solutionsDoNotDependOnTheThreadThatSolves(String spec) throws Exception {
        float[] x = gaussian(50_000, 31);
        CStepSolver solver = CStepSolvers.forCodebook(CodebookSpecs.parse(spec, null), 7, KERNELS);
        CStepSolution alone = solver.solve(x, null);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<CStepSolution>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> solver.solve(x, null)));
            }
            for (java.util.concurrent.Future<CStepSolution> future : futures) {
                CStepSolution concurrent = future.get();
                assertArrayEquals(alone.values(), concurrent.values(), spec);
                assertArrayEquals(alone.assignments(), concurrent.assignments(), spec);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void largeAndTinyMagnitudesAreQuantizedSanely() {
        float[] x = {1e-30f, -1e-30f, 3e30f, -3e30f, 0f, -0f};
        CStepSolution adaptive =
                CStepSolvers.forCodebook(Codebook.adaptive(3), 1, KERNELS).solve(x, null);
        assertNearestAssignment(x, adaptive);
        CStepSolution scaled =
                CStepSolvers.forCodebook(Codebook.scaledTernary(), 1, KERNELS).solve(x, null);
        assertNearestAssignment(x, scaled);
        assertEquals(3e30f, scaled.values()[2], 1e24f);
    }
}
