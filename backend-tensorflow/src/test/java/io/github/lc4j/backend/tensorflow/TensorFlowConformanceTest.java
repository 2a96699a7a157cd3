package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.tck.BackendConformanceSuite;

/** Runs the backend-contract conformance suite on the TensorFlow backend. */
class TensorFlowConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new TensorFlowBackendProvider();
    }

    @Override
    protected BackendProvider referenceProvider() {
        return new CpuJavaBackendProvider();
    }
}
