package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.Backend;
import io.github.lc4j.api.BackendConfig;
import io.github.lc4j.api.BackendProvider;
import io.github.lc4j.api.BackendUnavailableException;
import java.util.function.Function;

/**
 * Provides {@link TensorFlowBackend}. Constructing the provider touches no TensorFlow class;
 * {@link #create} loads the native library and turns any failure into one
 * {@link BackendUnavailableException} naming tensorflow and the cause.
 */
public final class TensorFlowBackendProvider implements BackendProvider {
    /** Rank of the TensorFlow backend: first when available. */
    public static final int RANK = 10;

    private final Function<BackendConfig, Backend> loader;

    /** Creates the provider used by ServiceLoader. */
    public TensorFlowBackendProvider() {
        this(TensorFlowBackendProvider::load);
    }

    TensorFlowBackendProvider(Function<BackendConfig, Backend> loader) {
        this.loader = loader;
    }

    @Override
    public String name() {
        return TensorFlowBackend.NAME;
    }

    @Override
    public int rank() {
        return RANK;
    }

    @Override
    public Backend create(BackendConfig config) {
        return BackendUnavailableException.whileLoading(name(), "tensorflow-core-native linux-x86_64, TensorFlow 2.18", () -> loader.apply(config));
    }

    private static Backend load(BackendConfig config) {
        org.tensorflow.TensorFlow.version(); // loads the native library now
        return new TensorFlowBackend(config.properties().getOrDefault(TensorFlowBackend.DEVICE_PROPERTY, ""));
    }
}
