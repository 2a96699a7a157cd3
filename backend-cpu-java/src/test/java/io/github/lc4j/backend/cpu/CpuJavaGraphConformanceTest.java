package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.tck.GraphConformanceSuite;

/** Runs the graph conformance suite on the pure-Java backend, the reference of the others. */
class CpuJavaGraphConformanceTest extends GraphConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new CpuJavaBackendProvider();
    }
}
