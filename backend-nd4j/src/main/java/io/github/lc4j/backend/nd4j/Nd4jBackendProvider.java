package io.github.lc4j.backend.nd4j;

import io.github.lc4j.api.Backend;
import io.github.lc4j.api.BackendConfig;
import io.github.lc4j.api.BackendProvider;
import io.github.lc4j.api.BackendUnavailableException;
import java.util.function.Supplier;

/**
 * Provides {@link Nd4jBackend}. Constructing the provider touches no ND4J class; {@link #create}
 * loads the native libraries and turns any failure into one {@link BackendUnavailableException}
 * naming nd4j and the cause.
 */
public final class Nd4jBackendProvider implements BackendProvider {
    /** Rank of the ND4J backend: before the pure-Java backend, after TensorFlow. */
    public static final int RANK = 20;

    private final Supplier<Backend> loader;

    /** Backend property: threads of OpenBLAS inside each GEMM (default 1; libnd4j's own ops use the config's threads). */
    public static final String BLAS_THREADS_PROPERTY = "nd4j.blas.threads";

    /** Creates the provider used by ServiceLoader. */
    public Nd4jBackendProvider() {
        this.loader = null;
    }

    Nd4jBackendProvider(Supplier<Backend> loader) {
        this.loader = loader;
    }

    @Override
    public String name() {
        return Nd4jBackend.NAME;
    }

    @Override
    public int rank() {
        return RANK;
    }

    @Override
    public Backend create(BackendConfig config) {
        return BackendUnavailableException.whileLoading(name(), "nd4j-native linux-x86_64 with OpenBLAS",
                () -> loader == null ? load(config) : loader.get());
    }

    private static Backend load(BackendConfig config) {
        org.nd4j.linalg.factory.Nd4j.create(1).close(); // forces the native backend to load now
        org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxThreads(config.threads());
        org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxMasterThreads(config.threads());
        org.nd4j.linalg.factory.Nd4j.factory().blas().setMaxThreads(
                Integer.parseInt(config.properties().getOrDefault(BLAS_THREADS_PROPERTY, "1")));
        String backend = org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName();
        return new Nd4jBackend(backend.toLowerCase(java.util.Locale.ROOT).contains("cuda"));
    }
}
