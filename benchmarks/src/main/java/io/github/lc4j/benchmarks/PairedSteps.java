package io.github.lc4j.benchmarks;

import java.util.Arrays;
import java.util.Locale;

/**
 * Two training loops alternated in blocks of about {@link #BLOCK_SECONDS} inside one JVM, the
 * order flipping every pair, and the ratio of their step rates taken per pair. A slow spell of the
 * shared machine then lands on both halves of a pair instead of on one trainer's whole run, which
 * is what spreads the fresh-JVM rounds of {@link TrainingThroughputBenchmark}.
 */
final class PairedSteps {
    static final int PAIRS = 15;
    static final double BLOCK_SECONDS = 1.0;
    static final int MINIMUM_BLOCK_STEPS = 5;

    /** One training loop: {@link #begin} prepares a block outside the timing, {@link #step} takes a step. */
    interface Loop {
        default void begin() {}

        void step(int index);
    }

    /** Per-pair ratios (first's steps per second over second's), sorted. */
    record Result(double[] ratios) {
        double median() {
            return quantile(0.5);
        }

        /** The order statistic at {@code fraction} of the sorted ratios, interpolated. */
        double quantile(double fraction) {
            double position = fraction * (ratios.length - 1);
            int below = (int) Math.floor(position);
            int above = Math.min(ratios.length - 1, below + 1);
            return ratios[below] + (position - below) * (ratios[above] - ratios[below]);
        }

        String encode() {
            StringBuilder text = new StringBuilder();
            for (double ratio : ratios) {
                text.append(text.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", ratio));
            }
            return text.toString();
        }

        static Result decode(String text) {
            double[] ratios = Arrays.stream(text.split(","))
                    .mapToDouble(Double::parseDouble)
                    .toArray();
            Arrays.sort(ratios);
            return new Result(ratios);
        }
    }

    private PairedSteps() {}

    /** Warms both loops as {@link StepTimer} does, then times {@link #PAIRS} pairs of blocks. */
    static Result compare(Loop first, Loop second) {
        return compare(StepTimer.Budget.DEFAULT, first, second);
    }

    /** Warms both loops and times pairs of blocks as {@code budget} says. */
    static Result compare(StepTimer.Budget budget, Loop first, Loop second) {
        int[] next = {0, 0};
        for (int round = 0; round < 2; round++) {
            // two alternations, so that each loop's code is compiled after the other's has run
            first.begin();
            next[0] += StepTimer.warmUp(first::step, next[0], budget.warmupSteps(), budget.warmupSeconds() / 2);
            second.begin();
            next[1] += StepTimer.warmUp(second::step, next[1], budget.warmupSteps(), budget.warmupSeconds() / 2);
        }
        int pairs = StepTimer.smoke() ? 2 : budget.pairs();
        double[] ratios = new double[pairs];
        for (int pair = 0; pair < pairs; pair++) {
            double firstRate;
            double secondRate;
            if (pair % 2 == 0) {
                firstRate = block(budget, first, next, 0);
                secondRate = block(budget, second, next, 1);
            } else {
                secondRate = block(budget, second, next, 1);
                firstRate = block(budget, first, next, 0);
            }
            ratios[pair] = firstRate / secondRate;
        }
        Arrays.sort(ratios);
        return new Result(ratios);
    }

    private static double block(StepTimer.Budget budget, Loop loop, int[] next, int which) {
        loop.begin();
        int[] steps = {0};
        double rate = StepTimer.timedRate(
                index -> {
                    loop.step(index);
                    steps[0]++;
                },
                next[which],
                budget.blockSteps(),
                budget.blockSeconds());
        next[which] += steps[0];
        return rate;
    }
}
