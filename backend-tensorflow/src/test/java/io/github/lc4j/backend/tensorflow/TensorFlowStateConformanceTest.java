package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.tck.StateConformanceSuite;

/** Runs the state conformance suite on the TensorFlow backend. */
class TensorFlowStateConformanceTest extends StateConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new TensorFlowBackendProvider();
    }

    @Override
    protected BackendProvider referenceProvider() {
        return new CpuJavaBackendProvider();
    }
}
