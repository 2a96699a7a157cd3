package io.github.lc4j.backend.nd4j;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.tck.BackendConformanceSuite;

/** Runs the backend-contract conformance suite on the ND4J backend. */
class Nd4jConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new Nd4jBackendProvider();
    }

    @Override
    protected BackendProvider referenceProvider() {
        return new CpuJavaBackendProvider();
    }
}
