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
        try {
            Lc4j lc4j = Lc4j.create();
            try {
                System.out.println("selected="
                        + lc4j.backend(args.length > 0 ? args[0] : null).name());
            } catch (RuntimeException e) {
                System.out.println("error=" + e.getMessage());
            }
            lc4j.registry()
                    .availability()
                    .forEach((name, status) -> System.out.println("status " + name + "=" + status));
        } catch (RuntimeException e) {
            System.out.println("error=" + e.getMessage());
        }
    }
}
