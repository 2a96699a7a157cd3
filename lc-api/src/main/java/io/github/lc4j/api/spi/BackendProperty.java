package io.github.lc4j.api.spi;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

/**
 * A setting a backend accepts through {@link BackendConfig#properties()}, declared by its
 * provider so that a misspelt key is an error rather than silently ignored.
 *
 * @param key          the key, prefixed with the backend's name, e.g. {@code nd4j.blas.threads}
 * @param defaultValue what applies when the key is absent, in words
 * @param description  what the setting does
 */
public record BackendProperty(String key, String defaultValue, String description) {

    /** Checks the fields. */
    public BackendProperty {
        requireNonNull(key, "key is null");
        requireNonNull(defaultValue, "defaultValue is null");
        requireNonNull(description, "description is null");
        checkArgument(
                !key.isBlank() && key.strip().equals(key),
                "backend property key must be non-blank without" + " surrounding spaces, got '%s'",
                key);
    }
}
