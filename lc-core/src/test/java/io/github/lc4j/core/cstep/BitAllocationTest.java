package io.github.lc4j.core.cstep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.spi.CStepKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The C step's choice of codebook per group, against brute force: every combination of one
 * candidate per layer, each layer's distortion for a candidate found by enumerating every
 * partition of its sorted values (adaptive) or by nearest values (fixed), not by the solvers.
 */
class BitAllocationTest {
    private static final int LAYERS = 4;
    private static final double[] PRICES = {0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1, 1e3};

    /** Adaptive sizes, then fixed codebooks: the two kinds of candidate lists a user gives. */
    private static List<Codebook> candidates(boolean adaptive) {
        return adaptive
                ? List.of(Codebook.adaptive(1), Codebook.adaptive(2), Codebook.adaptive(3), Codebook.adaptive(4))
                : List.of(Codebook.fixed(0), Codebook.binary(), Codebook.ternary(), Codebook.powersOfTwo(1));
    }

    private static float[][] layers(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] layers = new float[LAYERS][];
        for (int g = 0; g < LAYERS; g++) {
            layers[g] = new float[5 + random.nextInt(4)];
            double spread = 0.2 + 2 * random.nextDouble();
            for (int i = 0; i < layers[g].length; i++) {
                layers[g][i] = (float) (random.nextGaussian() * spread);
            }
        }
        return layers;
    }

    /** Each layer's candidates as the run sees them: the solvers' distortions and the codebooks' bits. */
    private static List<BitAllocation.Candidates> solved(float[][] layers, List<Codebook> codebooks) {
        List<BitAllocation.Candidates> groups = new ArrayList<>();
        for (float[] layer : layers) {
            double[] distortions = new double[codebooks.size()];
            long[] bits = new long[codebooks.size()];
            for (int c = 0; c < codebooks.size(); c++) {
                distortions[c] = CStepSolvers.forCodebook(codebooks.get(c), 1, CStepKernels.DEFAULT)
                        .solve(layer, null)
                        .distortion();
                bits[c] = codebooks.get(c).storageBits(layer.length);
            }
            groups.add(new BitAllocation.Candidates(distortions, bits));
        }
        return groups;
    }

    /** The optimal distortion of {@code codebook} on {@code x}, by enumeration. */
    private static double bruteForce(float[] x, Codebook codebook) {
        if (codebook instanceof Codebook.Adaptive adaptive) {
            double[] sorted = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                sorted[i] = x[i];
            }
            Arrays.sort(sorted);
            return bestPartition(sorted, 0, adaptive.size());
        }
        float[] values = ((Codebook.Fixed) codebook).values();
        double sum = 0;
        for (float v : x) {
            double best = Double.POSITIVE_INFINITY;
            for (float value : values) {
                best = Math.min(best, (double) (v - value) * (v - value));
            }
            sum += best;
        }
        return sum;
    }

    /** The least squared error of sorted[from…] cut into at most {@code clusters} runs. */
    private static double bestPartition(double[] sorted, int from, int clusters) {
        double whole = sse(sorted, from, sorted.length);
        if (clusters == 1) {
            return whole;
        }
        double best = whole;
        for (int cut = from + 1; cut < sorted.length; cut++) {
            best = Math.min(best, sse(sorted, from, cut) + bestPartition(sorted, cut, clusters - 1));
        }
        return best;
    }

    private static double sse(double[] values, int from, int to) {
        double mean = 0;
        for (int i = from; i < to; i++) {
            mean += values[i];
        }
        mean /= to - from;
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (values[i] - mean) * (values[i] - mean);
        }
        return sum;
    }

    /** Calls {@code visit} with every combination of one candidate per layer. */
    private static void everyCombination(int layers, int candidates, java.util.function.Consumer<int[]> visit) {
        int[] choice = new int[layers];
        int total = (int) Math.pow(candidates, layers);
        for (int n = 0; n < total; n++) {
            for (int g = 0, rest = n; g < layers; g++, rest /= candidates) {
                choice[g] = rest % candidates;
            }
            visit.accept(choice.clone());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void atEveryPriceTheChoiceIsTheBestOfEveryCombination(boolean adaptive) {
        List<Codebook> codebooks = candidates(adaptive);
        for (long seed = 1; seed <= 5; seed++) {
            float[][] layers = layers(seed);
            double[][] exact = new double[LAYERS][codebooks.size()];
            for (int g = 0; g < LAYERS; g++) {
                for (int c = 0; c < codebooks.size(); c++) {
                    exact[g][c] = bruteForce(layers[g], codebooks.get(c));
                }
            }
            List<BitAllocation.Candidates> groups = solved(layers, codebooks);
            for (double price : PRICES) {
                BitAllocation.Allocation chosen = BitAllocation.atPrice(groups, price);
                double[] best = {Double.POSITIVE_INFINITY};
                everyCombination(LAYERS, codebooks.size(), choice -> {
                    double objective = 0;
                    for (int g = 0; g < LAYERS; g++) {
                        objective += exact[g][choice[g]] + price * groups.get(g).bits()[choice[g]];
                    }
                    best[0] = Math.min(best[0], objective);
                });
                double objective = chosen.distortion() + price * chosen.bits();
                assertEquals(
                        best[0],
                        objective,
                        1e-6 * (1 + best[0]),
                        "seed " + seed + ", price " + price + ": chose " + Arrays.toString(chosen.choices()));
            }
        }
    }

    /** The least Σ d of any combination within {@code capacity}, by enumeration. */
    private static double bestWithin(List<BitAllocation.Candidates> groups, int candidates, long capacity) {
        double[] best = {Double.POSITIVE_INFINITY};
        everyCombination(groups.size(), candidates, choice -> {
            long bits = 0;
            double distortion = 0;
            for (int g = 0; g < groups.size(); g++) {
                bits += groups.get(g).bits()[choice[g]];
                distortion += groups.get(g).distortions()[choice[g]];
            }
            if (bits <= capacity) {
                best[0] = Math.min(best[0], distortion);
            }
        });
        return best[0];
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void withinABudgetTheChoiceIsTheBestCombinationThatFits(boolean adaptive) {
        List<Codebook> codebooks = candidates(adaptive);
        for (long seed = 11; seed <= 15; seed++) {
            List<BitAllocation.Candidates> groups = solved(layers(seed), codebooks);
            long smallest = BitAllocation.atPrice(groups, 1e12).bits();
            long largest = BitAllocation.atPrice(groups, 0).bits();
            for (long capacity = smallest; capacity <= largest + 8; capacity += 3) {
                BitAllocation.Allocation budgeted = BitAllocation.withinBudget(groups, capacity);
                assertTrue(budgeted.bits() <= capacity, budgeted.bits() + " bits exceed " + capacity);
                assertEquals(
                        bestWithin(groups, codebooks.size(), capacity),
                        budgeted.distortion(),
                        1e-9,
                        "seed " + seed + ", capacity " + capacity + ": " + Arrays.toString(budgeted.choices()));
            }
        }
    }

    @Test
    void aLargeLayersSingleStepIsNotCrowdedOutByTheCheaperStepsOfSmallOnes() {
        // LeNet300's shape: fc1 holds 88 % of the weights and saves less per bit than fc2 and fc3,
        // so going by rate spends the budget on fc2 and fc3 and leaves fc1 at K = 1; the optimum is K = 2 everywhere
        List<BitAllocation.Candidates> groups = List.of(
                new BitAllocation.Candidates(
                        new double[] {1727.8, 697.8, 253.6}, new long[] {32, 235_200 + 64, 2 * 235_200 + 128}),
                new BitAllocation.Candidates(
                        new double[] {617.9, 232.9, 79.1}, new long[] {32, 30_000 + 64, 60_000 + 128}),
                new BitAllocation.Candidates(
                        new double[] {166.8, 55.4, 17.5}, new long[] {32, 1_000 + 64, 2_000 + 128}));
        long uniform = 235_264 + 30_064 + 1_064;
        assertArrayEquals(
                new int[] {1, 1, 1}, BitAllocation.withinBudget(groups, uniform).choices());
        assertArrayEquals(
                new int[] {0, 2, 2}, BitAllocation.greedy(groups, uniform).choices());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theGreedyChoiceForManyGroupsFitsAndBeatsEveryPricedChoiceThatFits(boolean adaptive) {
        List<Codebook> codebooks = candidates(adaptive);
        for (long seed = 21; seed <= 25; seed++) {
            List<BitAllocation.Candidates> groups = solved(layers(seed), codebooks);
            long smallest = BitAllocation.atPrice(groups, 1e12).bits();
            long largest = BitAllocation.atPrice(groups, 0).bits();
            for (long capacity = smallest; capacity <= largest + 8; capacity += 3) {
                BitAllocation.Allocation greedy = BitAllocation.greedy(groups, capacity);
                assertTrue(greedy.bits() <= capacity, greedy.bits() + " bits exceed " + capacity);
                for (double price = 1e-5; price < 1e4; price *= 1.5) {
                    BitAllocation.Allocation priced = BitAllocation.atPrice(groups, price);
                    if (priced.bits() <= capacity) {
                        assertTrue(
                                greedy.distortion() <= priced.distortion() + 1e-9,
                                "seed " + seed + ", capacity " + capacity + ": price " + price + " fits with "
                                        + priced.distortion() + " < " + greedy.distortion());
                    }
                }
            }
        }
    }

    @Test
    void withTooManyTotalsTheExactProgramGivesWayToTheGreedyOne() {
        // 40 groups of candidates with unrelated bit counts: the frontier of totals outgrows a limit of 1,000
        SplittableRandom random = new SplittableRandom(7);
        List<BitAllocation.Candidates> groups = new ArrayList<>();
        for (int g = 0; g < 40; g++) {
            long[] bits = new long[5];
            double[] distortions = new double[5];
            for (int c = 0; c < 5; c++) {
                bits[c] = 1000L * c + random.nextInt(997);
                distortions[c] = 100.0 / (c + 1) + random.nextDouble();
            }
            groups.add(new BitAllocation.Candidates(distortions, bits));
        }
        long capacity = 40 * 2000;
        assertEquals(null, BitAllocation.exact(groups, capacity, 1_000));
        BitAllocation.Allocation exact = BitAllocation.exact(groups, capacity, BitAllocation.FRONTIER_LIMIT);
        BitAllocation.Allocation greedy = BitAllocation.greedy(groups, capacity);
        assertTrue(exact != null && exact.bits() <= capacity && greedy.bits() <= capacity);
        assertTrue(exact.distortion() <= greedy.distortion(), exact + " against " + greedy);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aBudgetBelowTheSmallestCandidatesIsOneClearError(boolean adaptive) {
        List<BitAllocation.Candidates> groups = solved(layers(3), candidates(adaptive));
        long smallest = BitAllocation.atPrice(groups, 1e12).bits();
        InvalidInputException error =
                assertThrows(InvalidInputException.class, () -> BitAllocation.withinBudget(groups, smallest - 1));
        assertTrue(error.getMessage().contains(Long.toString(smallest)), error.getMessage());
        assertEquals(smallest, BitAllocation.withinBudget(groups, smallest).bits());
    }
}
