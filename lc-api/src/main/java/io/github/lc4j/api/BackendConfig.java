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

    /**
     * Returns the property {@code name} as a thread count, or {@code defaultValue} when it is
     * absent; throws {@link IllegalArgumentException} naming the property when it is not a whole
     * number &gt;= 1.
     */
    public int threadsProperty(String name, int defaultValue) {
        String value = properties.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            int threads = Integer.parseInt(value.trim());
            if (threads >= 1) {
                return threads;
            }
        } catch (NumberFormatException e) {
            // reported below with the property's name
        }
        throw new IllegalArgumentException("backend property " + name + " must be a whole number of threads >= 1, got '"
                + value + "'");
    }

    /** Returns a configuration using {@code threads} threads and no properties. */
    public static BackendConfig withThreads(int threads) {
        return new BackendConfig(threads, Map.of());
    }
}
