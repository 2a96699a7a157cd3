package io.github.lc4j.core;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.spi.BackendProperty;
import java.util.List;

/**
 * A backend found on the classpath, as {@link Lc4j#backends()} reports it.
 *
 * @param name       the backend's name, e.g. {@code cpu-java}
 * @param rank       its selection rank (among available backends the lowest wins)
 * @param available  whether it can run here
 * @param detail     "available (rank …)" or why it cannot run
 * @param properties the backend properties it accepts
 */
public record BackendStatus(String name, int rank, boolean available, String detail, List<BackendProperty> properties) {

    /** Checks for nulls and copies the properties. */
    public BackendStatus {
        requireNonNull(name, "name is null");
        requireNonNull(detail, "detail is null");
        properties = List.copyOf(requireNonNull(properties, "properties is null"));
    }
}
