package io.github.lc4j.backend.nd4j;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.tck.StateConformanceSuite;

/** Runs the state conformance suite on the ND4J backend. */
class Nd4jStateConformanceTest extends StateConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new Nd4jBackendProvider();
    }

    @Override
    protected BackendProvider referenceProvider() {
        return new CpuJavaBackendProvider();
    }
}
