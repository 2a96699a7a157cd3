package io.github.lc4j.benchmarks;

import java.util.function.IntConsumer;

/**
 * Times a training loop: a warm-up of at least {@link #WARMUP_STEPS} steps and
 * {@link #WARMUP_SECONDS}, then steps until at least {@link #MINIMUM_SECONDS} have passed, so that
 * fast and slow trainers are warmed and timed over similar wall-clock spans. The warm-up is long
 * because on 2 cores the JIT compiler's threads compete with native thread pools for a few
 * seconds: a 15-step warm-up measured ND4J-based trainers 30–40 % below their steady rate.
 */
final class StepTimer {
    static final int WARMUP_STEPS = 15;
    static final double WARMUP_SECONDS = 4.0;
    static final double MINIMUM_SECONDS = 3.0;
    private static final int MINIMUM_STEPS = 10;

    /**
     * With {@code -Dlc4j.benchmark.smoke=true}, two warm-up and two timed steps: what the build runs
     * to keep every benchmark compiling and running, not a measurement.
     */
    static final String SMOKE = "lc4j.benchmark.smoke";

    /**
     * How long a loop is warmed and timed, alone ({@link #stepsPerSecond(Budget, IntConsumer)}) and
     * in {@link PairedSteps}: the page's default, or a shorter one for nets whose steps take about a
     * second (ResNet-20), where the default's 15 warm-up steps and 15 pairs of 5-step blocks would
     * take minutes per measurement.
     *
     * @param warmupSteps    at least this many warm-up steps (per alternation when paired)
     * @param warmupSeconds  and at least this long (halved per alternation when paired)
     * @param minimumSteps   at least this many timed steps
     * @param minimumSeconds and at least this long
     * @param pairs          paired blocks
     * @param blockSteps     at least this many steps per paired block
     * @param blockSeconds   and at least this long
     */
    record Budget(
            int warmupSteps,
            double warmupSeconds,
            int minimumSteps,
            double minimumSeconds,
            int pairs,
            int blockSteps,
            double blockSeconds) {
        static final Budget DEFAULT = new Budget(
                WARMUP_STEPS,
                WARMUP_SECONDS,
                MINIMUM_STEPS,
                MINIMUM_SECONDS,
                PairedSteps.PAIRS,
                PairedSteps.MINIMUM_BLOCK_STEPS,
                PairedSteps.BLOCK_SECONDS);

        /** For steps of about a second: 3 warm-up steps, 10 timed, 7 pairs of 3-step blocks. */
        static final Budget SLOW_STEPS = new Budget(3, 3.0, 10, 3.0, 7, 3, 1.0);

        /** The models whose steps take about a second on the page's machine. */
        static final java.util.Set<String> SLOW_MODELS = java.util.Set.of("resnet20", "mobilenetv2-small");

        /** The budget for the model called {@code modelName}. */
        static Budget forModel(String modelName) {
            return SLOW_MODELS.contains(modelName) ? SLOW_STEPS : DEFAULT;
        }
    }

    private StepTimer() {}

    static boolean smoke() {
        return Boolean.getBoolean(SMOKE);
    }

    /** Steps per second of {@code step}, which is called with the step's index. */
    static double stepsPerSecond(IntConsumer step) {
        return stepsPerSecond(Budget.DEFAULT, step);
    }

    /** Steps per second of {@code step}, warmed and timed as {@code budget} says. */
    static double stepsPerSecond(Budget budget, IntConsumer step) {
        int warmup = warmUp(step, 0, budget.warmupSteps(), budget.warmupSeconds());
        return timedRate(step, warmup, budget.minimumSteps(), budget.minimumSeconds());
    }

    /**
     * Takes steps from index {@code first} until at least {@link #WARMUP_STEPS} steps and
     * {@code seconds} have passed (two steps in smoke mode); returns how many it took.
     */
    static int warmUp(IntConsumer step, int first, double seconds) {
        return warmUp(step, first, WARMUP_STEPS, seconds);
    }

    /** {@link #warmUp(IntConsumer, int, double)} with at least {@code minimumSteps} steps. */
    static int warmUp(IntConsumer step, int first, int minimumSteps, double seconds) {
        boolean smoke = smoke();
        int steps = 0;
        long start = System.nanoTime();
        while (steps < (smoke ? 2 : minimumSteps) || (!smoke && System.nanoTime() - start < seconds * 1e9)) {
            step.accept(first + steps++);
        }
        return steps;
    }

    /**
     * Steps per second of steps from index {@code first} on, taken until at least
     * {@code minimumSteps} and {@code seconds} have passed (two steps in smoke mode).
     */
    static double timedRate(IntConsumer step, int first, int minimumSteps, double seconds) {
        boolean smoke = smoke();
        long start = System.nanoTime();
        int steps = 0;
        long elapsed;
        do {
            step.accept(first + steps);
            steps++;
            elapsed = System.nanoTime() - start;
        } while (steps < (smoke ? 2 : minimumSteps) || (!smoke && elapsed < seconds * 1e9));
        return steps / (elapsed / 1e9);
    }
}
