package io.github.lc4j.backend.nd4j;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.tck.GraphConformanceSuite;

/** Runs the graph conformance suite on the ND4J backend, against the pure-Java reference. */
class Nd4jGraphConformanceTest extends GraphConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new Nd4jBackendProvider();
    }

    @Override
    protected BackendProvider referenceProvider() {
        return new CpuJavaBackendProvider();
    }
}
