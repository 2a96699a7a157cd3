package io.github.lc4j.core.cstep;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.support.Checks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The C step's choice of codebook per group when groups may choose among candidates
 * (docs/lc-algorithm.md, "Choosing K per layer"). Each group has solved its C step for every
 * candidate c, giving a distortion d_c = ‖x − Δ(Θ_c)‖² and a storage cost b_c in bits; the choice
 * minimizes Σ_g d_g + β·Σ_g b_g, which is μ/2‖x − Δ(Θ)‖² + α·bits with β = 2α/μ. For a fixed price β
 * the groups separate, so {@link #atPrice} is exact. {@link #withinBudget} minimizes Σ d under a
 * total of bits instead: exactly where the groups are few, greedily along the price where many.
 */
public final class BitAllocation {
    private BitAllocation() {}

    /**
     * One group's candidates.
     *
     * @param distortions d_c for each candidate: finite and non-negative
     * @param bits        b_c, the bits candidate c stores (codes and codebook)
     */
    public record Candidates(double[] distortions, long[] bits) {
        /** Checks sizes and values; the arrays are owned by the record. */
        public Candidates {
            requireNonNull(distortions, "distortions is null");
            requireNonNull(bits, "bits is null");
            Checks.checkArgument(
                    distortions.length == bits.length && bits.length > 0,
                    "%d distortions for %d bit counts",
                    distortions.length,
                    bits.length);
            for (int c = 0; c < bits.length; c++) {
                Checks.checkArgument(
                        Double.isFinite(distortions[c]) && distortions[c] >= 0 && bits[c] >= 0,
                        "candidate %d has distortion %s and %d bits",
                        c,
                        distortions[c],
                        bits[c]);
            }
        }

        /** The candidate with the fewest bits, and the lowest distortion among those. */
        int smallest() {
            int best = 0;
            for (int c = 1; c < bits.length; c++) {
                if (bits[c] < bits[best] || (bits[c] == bits[best] && distortions[c] < distortions[best])) {
                    best = c;
                }
            }
            return best;
        }
    }

    /**
     * A choice for every group.
     *
     * @param choices    the chosen candidate of each group
     * @param bits       Σ_g b_g of the choices
     * @param distortion Σ_g d_g of the choices
     */
    public record Allocation(int[] choices, long bits, double distortion) {}

    /**
     * Returns, for each group, the candidate that minimizes d + β·b (ties to fewer bits, then to the
     * first listed): the exact minimizer of Σ d + β·Σ b.
     */
    public static Allocation atPrice(List<Candidates> groups, double price) {
        Checks.checkArgument(price >= 0 && !Double.isNaN(price), "price must be >= 0, got %s", price);
        int[] choices = new int[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            Candidates group = groups.get(g);
            int best = 0;
            for (int c = 1; c < group.bits.length; c++) {
                double cost = group.distortions[c] + price * group.bits[c];
                double bestCost = group.distortions[best] + price * group.bits[best];
                if (cost < bestCost || (cost == bestCost && group.bits[c] < group.bits[best])) {
                    best = c;
                }
            }
            choices[g] = best;
        }
        return allocation(groups, choices);
    }

    /** Pareto frontiers longer than this fall back to {@link #greedy}: many groups with many totals. */
    static final int FRONTIER_LIMIT = 1 << 16;

    /**
     * Returns the choices of least total distortion whose bits total at most {@code capacity}: the
     * exact optimum by {@link #exact} where its frontier stays short (per-layer codebooks), else
     * the {@link #greedy} allocation (many groups, e.g. one per channel, where each group's step is
     * small against the budget and the greedy allocation is close to the optimum).
     *
     * @throws InvalidInputException when even the smallest candidates exceed {@code capacity}
     */
    public static Allocation withinBudget(List<Candidates> groups, long capacity) {
        long smallest = 0;
        for (Candidates group : groups) {
            smallest += group.bits[group.smallest()];
        }
        if (smallest > capacity) {
            throw new InvalidInputException("the bit budget of " + capacity + " bits is below the " + smallest
                    + " that the smallest candidate codebooks need; allow more bits per weight (a lower ρ) or"
                    + " add smaller candidates");
        }
        Allocation exact = exact(groups, capacity, FRONTIER_LIMIT);
        return exact != null ? exact : greedy(groups, capacity);
    }

    /**
     * The exact minimum of Σ d under Σ b ≤ capacity (a multiple-choice knapsack) by dynamic
     * programming over the groups: after each group, the Pareto frontier of (bits, distortion) of
     * the choices so far, with the bits the remaining groups need at least kept free. Returns null
     * when a frontier passes {@code limit} points.
     */
    static Allocation exact(List<Candidates> groups, long capacity, int limit) {
        int count = groups.size();
        long[] leastAfter = new long[count + 1];
        for (int g = count - 1; g >= 0; g--) {
            Candidates group = groups.get(g);
            leastAfter[g] = leastAfter[g + 1] + group.bits[group.smallest()];
        }
        long[] bits = {0};
        double[] distortions = {0};
        int[][] parents = new int[count][];
        int[][] picks = new int[count][];
        for (int g = 0; g < count; g++) {
            Candidates group = groups.get(g);
            int candidates = group.bits.length;
            int size = bits.length * candidates;
            long[] newBits = new long[size];
            double[] newDistortions = new double[size];
            Integer[] order = new Integer[size];
            int kept = 0;
            for (int point = 0; point < bits.length; point++) {
                for (int c = 0; c < candidates; c++) {
                    long total = bits[point] + group.bits[c];
                    if (total + leastAfter[g + 1] <= capacity) {
                        int index = point * candidates + c;
                        newBits[index] = total;
                        newDistortions[index] = distortions[point] + group.distortions[c];
                        order[kept++] = index;
                    }
                }
            }
            Arrays.sort(
                    order,
                    0,
                    kept,
                    (a, b) -> newBits[a] != newBits[b]
                            ? Long.compare(newBits[a], newBits[b])
                            : Double.compare(newDistortions[a], newDistortions[b]));
            int frontier = 0;
            double best = Double.POSITIVE_INFINITY;
            int[] survivors = new int[kept];
            for (int i = 0; i < kept; i++) {
                if (newDistortions[order[i]] < best) {
                    best = newDistortions[order[i]];
                    survivors[frontier++] = order[i];
                }
            }
            if (frontier > limit) {
                return null;
            }
            bits = new long[frontier];
            distortions = new double[frontier];
            parents[g] = new int[frontier];
            picks[g] = new int[frontier];
            for (int i = 0; i < frontier; i++) {
                bits[i] = newBits[survivors[i]];
                distortions[i] = newDistortions[survivors[i]];
                parents[g][i] = survivors[i] / candidates;
                picks[g][i] = survivors[i] % candidates;
            }
        }
        // the frontier's last point has the most bits and so the least distortion
        int[] choices = new int[count];
        for (int g = count - 1, point = bits.length - 1; g >= 0; g--) {
            choices[g] = picks[g][point];
            point = parents[g][point];
        }
        return allocation(groups, choices);
    }

    /**
     * Returns choices whose bits total at most {@code capacity}: each group starts at its smallest
     * candidate, then the steps along the groups' lower convex hulls of (bits, distortion) are
     * taken in order of distortion saved per bit while they fit. Up to the first step that does
     * not fit this is {@link #atPrice} at that step's rate, the best allocation any price gives
     * within the budget; the steps of other groups that still fit are then taken too. Assumes the
     * smallest candidates fit (see {@link #withinBudget}).
     */
    static Allocation greedy(List<Candidates> groups, long capacity) {
        int[] choices = new int[groups.size()];
        List<int[]> hulls = new ArrayList<>();
        long bits = 0;
        for (int g = 0; g < groups.size(); g++) {
            int[] hull = lowerHull(groups.get(g));
            hulls.add(hull);
            choices[g] = hull[0];
            bits += groups.get(g).bits[hull[0]];
        }
        // next hull vertex of each group; a step is (group, rate), best rate first
        int[] next = new int[groups.size()];
        PriorityQueue<double[]> steps = new PriorityQueue<>((a, b) -> Double.compare(b[1], a[1]));
        for (int g = 0; g < groups.size(); g++) {
            next[g] = 1;
            offer(steps, groups.get(g), hulls.get(g), g, 1);
        }
        while (!steps.isEmpty()) {
            double[] step = steps.poll();
            int g = (int) step[0];
            Candidates group = groups.get(g);
            int from = hulls.get(g)[next[g] - 1];
            int to = hulls.get(g)[next[g]];
            long extra = group.bits[to] - group.bits[from];
            if (bits + extra > capacity) {
                continue; // this group stays; smaller steps of other groups may still fit
            }
            bits += extra;
            choices[g] = to;
            next[g]++;
            offer(steps, group, hulls.get(g), g, next[g]);
        }
        return allocation(groups, choices);
    }

    private static void offer(PriorityQueue<double[]> steps, Candidates group, int[] hull, int g, int vertex) {
        if (vertex < hull.length) {
            int from = hull[vertex - 1];
            int to = hull[vertex];
            double rate = (group.distortions[from] - group.distortions[to]) / (group.bits[to] - group.bits[from]);
            steps.add(new double[] {g, rate});
        }
    }

    /**
     * The candidates on the lower convex hull of (bits, distortion), fewest bits first, each
     * saving distortion at a lower rate per bit than the one before.
     */
    static int[] lowerHull(Candidates group) {
        Integer[] order = new Integer[group.bits.length];
        Arrays.setAll(order, c -> c);
        Arrays.sort(
                order,
                (a, b) -> group.bits[a] != group.bits[b]
                        ? Long.compare(group.bits[a], group.bits[b])
                        : Double.compare(group.distortions[a], group.distortions[b]));
        int[] hull = new int[order.length];
        int size = 0;
        for (int c : order) {
            if (size > 0 && group.distortions[c] >= group.distortions[hull[size - 1]]) {
                continue; // as many bits or more for no less distortion
            }
            while (size >= 2 && !convex(group, hull[size - 2], hull[size - 1], c)) {
                size--;
            }
            hull[size++] = c;
        }
        return Arrays.copyOf(hull, size);
    }

    /** Whether b lies strictly below the chord from a to c, i.e. the rate a→b exceeds b→c. */
    private static boolean convex(Candidates group, int a, int b, int c) {
        double first = (group.distortions[a] - group.distortions[b]) / (group.bits[b] - group.bits[a]);
        double second = (group.distortions[b] - group.distortions[c]) / (group.bits[c] - group.bits[b]);
        return first > second;
    }

    private static Allocation allocation(List<Candidates> groups, int[] choices) {
        long bits = 0;
        double distortion = 0;
        for (int g = 0; g < groups.size(); g++) {
            bits += groups.get(g).bits[choices[g]];
            distortion += groups.get(g).distortions[choices[g]];
        }
        return new Allocation(choices, bits, distortion);
    }
}
