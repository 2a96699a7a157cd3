package io.github.lc4j.api.spi;

import io.github.lc4j.api.BackendUnavailableException;
import java.util.List;

/**
 * The {@code META-INF/services} entry of a backend. Constructing a provider must be cheap and
 * must not load native code: discovery instantiates every provider on the classpath.
 */
public interface BackendProvider {

    /** Returns the backend's unique name, e.g. {@code cpu-java}. */
    String name();

    /** Returns the selection rank: among available backends the lowest rank wins. */
    int rank();

    /**
     * Creates the backend, loading any native libraries.
     *
     * @throws BackendUnavailableException naming this backend and the missing piece when it cannot run here
     */
    Backend create(BackendConfig config);

    /**
     * Returns the backend properties this backend reads from {@link BackendConfig#properties()};
     * any other key is rejected before {@link #create} is called.
     */
    default List<BackendProperty> properties() {
        return List.of();
    }
}
