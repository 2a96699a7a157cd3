package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.BackendUnavailableException;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProperty;
import io.github.lc4j.api.spi.BackendProvider;
import java.util.List;
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
    public List<BackendProperty> properties() {
        return List.of(new BackendProperty(
                TensorFlowBackend.DEVICE_PROPERTY,
                "auto",
                "where the graphs run: auto (/GPU:0 when a GPU and the GPU natives are present, else the CPU),"
                        + " /GPU:0, /CPU:0, or empty for TensorFlow's own placement"));
    }

    @Override
    public Backend create(BackendConfig config) {
        return BackendUnavailableException.whileLoading(
                name(), "tensorflow-core-native linux-x86_64, TensorFlow 2.18", () -> loader.apply(config));
    }

    private static Backend load(BackendConfig config) {
        org.tensorflow.TensorFlow.version(); // loads the native library now
        String device = config.property(TensorFlowBackend.DEVICE_PROPERTY, "auto");
        if (device.equals("auto")) {
            device = gpuPresent() ? "/GPU:0" : "";
        }
        return new TensorFlowBackend(device, config.threads());
    }

    /** Returns whether a graph pinned to /GPU:0 runs: true only with GPU natives and a visible GPU. */
    static boolean gpuPresent() {
        try (org.tensorflow.Graph graph = new org.tensorflow.Graph()) {
            org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(graph)
                    .withDevice(org.tensorflow.DeviceSpec.newBuilder()
                            .deviceType(org.tensorflow.DeviceSpec.DeviceType.GPU)
                            .deviceIndex(0)
                            .build());
            var probe = tf.math.add(tf.constant(1f), tf.constant(1f));
            org.tensorflow.proto.ConfigProto strict = org.tensorflow.proto.ConfigProto.newBuilder()
                    .setAllowSoftPlacement(false)
                    .build();
            try (org.tensorflow.Session session = new org.tensorflow.Session(graph, strict);
                    org.tensorflow.Result result = session.runner().fetch(probe).run()) {
                return result.size() == 1;
            }
        } catch (RuntimeException e) {
            return false;
        }
    }
}
