package io.github.lc4j.spark;

import io.github.lc4j.api.Lc4jException;
import java.util.function.Supplier;

/** Turns a failed Spark job whose cause is an lc4j error back into that error, with its message, on the driver. */
final class SparkErrors {
    private SparkErrors() {}

    /** Runs {@code job}, rethrowing a failure as {@link #unwrapped} says. */
    static <T> T rethrown(Supplier<T> job) {
        try {
            return job.get();
        } catch (Exception e) { // Spark throws its checked SparkException undeclared
            throw unwrapped(e);
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
