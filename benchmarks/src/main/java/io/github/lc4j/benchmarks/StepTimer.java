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

    private StepTimer() {}

    static boolean smoke() {
        return Boolean.getBoolean(SMOKE);
    }

    /** Steps per second of {@code step}, which is called with the step's index. */
    static double stepsPerSecond(IntConsumer step) {
        int warmup = warmUp(step, 0, WARMUP_SECONDS);
        return timedRate(step, warmup, MINIMUM_STEPS, MINIMUM_SECONDS);
    }

    /**
     * Takes steps from index {@code first} until at least {@link #WARMUP_STEPS} steps and
     * {@code seconds} have passed (two steps in smoke mode); returns how many it took.
     */
    static int warmUp(IntConsumer step, int first, double seconds) {
        boolean smoke = smoke();
        int steps = 0;
        long start = System.nanoTime();
        while (steps < (smoke ? 2 : WARMUP_STEPS) || (!smoke && System.nanoTime() - start < seconds * 1e9)) {
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
