package io.github.lc4j.spark;

import io.github.lc4j.api.Lc4jException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Runs the driver's Spark jobs: uninterruptibly, so that a stop request (an interrupt, as Ctrl-C
 * sends) lets the running round finish and reaches the LC loop at the next minibatch, where it
 * writes its checkpoint; and with a failed job whose cause is an lc4j error turned back into that
 * error, with its message.
 */
final class SparkErrors {
    private static final ExecutorService JOBS = java.util.concurrent.Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "lc4j-spark-job");
        thread.setDaemon(true);
        return thread;
    });

    private SparkErrors() {}

    /**
     * Runs {@code job} on a job thread and waits for it, through interrupts, which it passes on
     * to the caller's thread afterwards; rethrows a failure as {@link #unwrapped} says.
     */
    static <T> T rethrown(Supplier<T> job) {
        Future<T> result = JOBS.submit(job::get);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    // a round is pure and short: finish it, the loop stops before the next one
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof Error error) {
                        throw error;
                    }
                    throw unwrapped((Exception) cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The lc4j error or bad argument behind {@code e}, else {@code e} as an {@link Lc4jException}. */
    static RuntimeException unwrapped(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof Lc4jException lc4j) {
                return lc4j;
            }
            if (cause instanceof IllegalArgumentException argument) {
                return argument;
            }
        }
        if (e instanceof RuntimeException runtime && !(e.getClass().getName().startsWith("org.apache.spark"))) {
            return runtime;
        }
        return new Lc4jException("a Spark job of the L step failed: " + e.getMessage(), e);
    }
}
