package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.tck.BackendConformanceSuite;

/** Runs the backend-contract conformance suite on the pure-Java backend. */
class CpuJavaConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new CpuJavaBackendProvider();
    }
}
