package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.tck.GraphConformanceSuite;

/** Runs the graph conformance suite on the TensorFlow backend, against the pure-Java backend. */
class TensorFlowGraphConformanceTest extends GraphConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new TensorFlowBackendProvider();
    }

    @Override
    protected BackendProvider referenceProvider() {
        return new CpuJavaBackendProvider();
    }
}
