package io.github.lc4j.backend.nd4j;

import io.github.lc4j.api.BackendUnavailableException;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProperty;
import io.github.lc4j.api.spi.BackendProvider;
import java.util.List;
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

    /** Backend property: threads of OpenBLAS inside each GEMM (default: the configuration's threads). */
    public static final String BLAS_THREADS_PROPERTY = "nd4j.blas.threads";

    /**
     * Backend property: threads of libnd4j's own operations, element-wise and pooling (default 1).
     * The GEMMs dominate a step; when both pools had 2 threads on 2 cores, their spinning workers
     * oversubscribed the machine and a LeNet300 step ran 4× slower, and with libnd4j on 1 thread
     * and OpenBLAS on 2 it ran 1.4× faster than the other way round.
     */
    public static final String OP_THREADS_PROPERTY = "nd4j.op.threads";

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
    public List<BackendProperty> properties() {
        return List.of(
                new BackendProperty(
                        BLAS_THREADS_PROPERTY, "the backend's threads", "threads of OpenBLAS inside each GEMM"),
                new BackendProperty(
                        OP_THREADS_PROPERTY, "1", "threads of libnd4j's own operations (element-wise, pooling)"));
    }

    @Override
    public Backend create(BackendConfig config) {
        int blasThreads = config.threadsProperty(BLAS_THREADS_PROPERTY, config.threads());
        int opThreads = config.threadsProperty(OP_THREADS_PROPERTY, 1);
        return BackendUnavailableException.whileLoading(
                name(),
                "nd4j-native linux-x86_64 with OpenBLAS",
                () -> loader == null ? load(blasThreads, opThreads) : loader.get());
    }

    private static Backend load(int blasThreads, int opThreads) {
        org.nd4j.linalg.factory.Nd4j.create(1).close(); // forces the native backend to load now
        org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxThreads(opThreads);
        org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxMasterThreads(opThreads);
        org.nd4j.linalg.factory.Nd4j.factory().blas().setMaxThreads(blasThreads);
        String backend = org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName();
        return new Nd4jBackend(backend.toLowerCase(java.util.Locale.ROOT).contains("cuda"));
    }
}
