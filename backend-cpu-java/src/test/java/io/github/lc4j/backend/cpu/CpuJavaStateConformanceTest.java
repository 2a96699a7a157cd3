package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.tck.StateConformanceSuite;

/** Runs the state conformance suite on the pure-Java backend. */
class CpuJavaStateConformanceTest extends StateConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new CpuJavaBackendProvider();
    }
}
