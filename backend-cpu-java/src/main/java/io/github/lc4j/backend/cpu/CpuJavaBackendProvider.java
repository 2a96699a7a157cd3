package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;

/** Provides {@link CpuJavaBackend}; ranked last so that native backends win when present. */
public final class CpuJavaBackendProvider implements BackendProvider {
    /** Rank of the pure-Java backend: after every native backend. */
    public static final int RANK = 100;

    @Override
    public String name() {
        return CpuJavaBackend.NAME;
    }

    @Override
    public int rank() {
        return RANK;
    }

    @Override
    public Backend create(BackendConfig config) {
        return new CpuJavaBackend(config.threads());
    }
}
