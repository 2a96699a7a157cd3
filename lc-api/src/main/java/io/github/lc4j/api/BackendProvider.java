package io.github.lc4j.api;

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
}
