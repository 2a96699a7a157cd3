package io.github.lc4j.api;

import static io.github.lc4j.api.Checks.checkAtLeast;
import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * Settings handed to {@link BackendProvider#create}.
 *
 * @param threads    how many threads the backend may use, &gt;= 1
 * @param properties backend-specific settings (copied)
 */
public record BackendConfig(int threads, Map<String, String> properties) {

    /** Checks and copies. */
    public BackendConfig {
        checkAtLeast(threads, 1, "threads");
        properties = Map.copyOf(requireNonNull(properties, "properties is null"));
    }

    /** Returns a configuration using every available processor and no properties. */
    public static BackendConfig defaults() {
        return new BackendConfig(Runtime.getRuntime().availableProcessors(), Map.of());
    }

    /** Returns a configuration using {@code threads} threads and no properties. */
    public static BackendConfig withThreads(int threads) {
        return new BackendConfig(threads, Map.of());
    }
}
