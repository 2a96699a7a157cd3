package io.github.lc4j.integration;

import io.github.lc4j.core.Lc4j;

/**
 * Runs in a child JVM whose class path holds lc-core plus a chosen set of backends; prints which
 * backend lc4j picks (or the error) and every backend's availability.
 */
public final class SelectionProbe {
    private SelectionProbe() {}

    /** Prints {@code selected=NAME} or {@code error=MESSAGE}, then {@code status NAME=...} lines. */
    public static void main(String[] args) {
        Lc4j.Builder builder = Lc4j.builder();
        if (args.length > 0) {
            builder.backend(args[0]);
        }
        Lc4j lc4j = null;
        try {
            lc4j = builder.build();
            System.out.println("selected=" + lc4j.backendName());
        } catch (RuntimeException e) {
            System.out.println("error=" + e.getMessage());
        }
        try {
            Lc4j lister =
                    lc4j != null ? lc4j : Lc4j.builder().backend("cpu-java").build();
            lister.backends().forEach(status -> System.out.println("status " + status.name() + "=" + status.detail()));
        } catch (RuntimeException e) {
            System.out.println("error=" + e.getMessage());
        }
    }
}
