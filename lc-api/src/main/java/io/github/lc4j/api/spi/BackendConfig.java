package io.github.lc4j.api.spi;

import static io.github.lc4j.api.support.Checks.checkAtLeast;
import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.InvalidInputException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Settings handed to {@link BackendProvider#create}: the one place a backend learns how many
 * threads it may use, plus the backend properties its provider declares.
 *
 * @param threads    how many threads the backend may use, &gt;= 1
 * @param properties backend-specific settings (copied); keys must be declared by the provider
 */
public record BackendConfig(int threads, Map<String, String> properties) {

    /** Checks and copies. */
    public BackendConfig {
        checkAtLeast(threads, 1, "threads");
        properties = Map.copyOf(new TreeMap<>(requireNonNull(properties, "properties is null")));
    }

    /** Returns a configuration using every available processor and no properties. */
    public static BackendConfig defaults() {
        return withThreads(Runtime.getRuntime().availableProcessors());
    }

    /** Returns a configuration using {@code threads} threads and no properties. */
    public static BackendConfig withThreads(int threads) {
        return new BackendConfig(threads, Map.of());
    }

    /** Returns this configuration with {@code key} set to {@code value}. */
    public BackendConfig withProperty(String key, String value) {
        Map<String, String> copy = new TreeMap<>(properties);
        copy.put(requireNonNull(key, "key is null"), requireNonNull(value, "value is null"));
        return new BackendConfig(threads, copy);
    }

    /**
     * Throws {@link InvalidInputException} naming the first key that {@code backend} does not
     * declare in {@code declared}, and listing the keys it does.
     */
    public void checkKeys(String backend, Collection<BackendProperty> declared) {
        List<String> valid =
                declared.stream().map(BackendProperty::key).sorted().toList();
        for (String key : properties.keySet()) {
            if (!valid.contains(key)) {
                throw new InvalidInputException("unknown backend property '" + key + "' for backend " + backend
                        + "; valid keys: "
                        + (valid.isEmpty() ? "none (this backend takes no properties)" : String.join(", ", valid)));
            }
        }
    }

    /** Returns the property {@code key}, or {@code defaultValue} when it is absent. */
    public String property(String key, String defaultValue) {
        return properties.getOrDefault(key, defaultValue);
    }

    /**
     * Returns the property {@code key} as a thread count, or {@code defaultValue} when it is
     * absent; throws {@link InvalidInputException} naming the property when it is not a whole
     * number &gt;= 1.
     */
    public int threadsProperty(String key, int defaultValue) {
        String value = properties.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            int count = Integer.parseInt(value.trim());
            if (count >= 1) {
                return count;
            }
        } catch (NumberFormatException e) {
            // reported below with the property's name
        }
        throw new InvalidInputException(
                "backend property " + key + " must be a whole number of threads >= 1, got '" + value + "'");
    }
}
