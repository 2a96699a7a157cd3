package io.github.lc4j.backend.nd4j;

import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import io.github.lc4j.backend.tck.TrainingConformanceSuite;

/** Runs the training conformance suite on the ND4J backend. */
class Nd4jTrainingConformanceTest extends TrainingConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new Nd4jBackendProvider();
    }

    @Override
    protected BackendProvider referenceProvider() {
        return new CpuJavaBackendProvider();
    }
}
