package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.tck.TrainingConformanceSuite;

/** Runs the training conformance suite on the pure-Java backend. */
class CpuJavaTrainingConformanceTest extends TrainingConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new CpuJavaBackendProvider();
    }
}
