package io.github.lc4j.cli;

import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.TrainTestSplit;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every working command shares: data, backend, seed, threads. */
final class CommonOptions {
    @Option(
            names = "--data",
            paramLabel = "embedded|auto|DIR|FILE.npz",
            description = "Data: 'embedded' (the 10k Fashion-MNIST sample shipped in the jar), 'auto' (the full"
                    + " Fashion-MNIST in /usr/share/datasets/fashion-mnist if installed, else embedded), a folder"
                    + " with the four MNIST idx files (standardized), or one .npz with x_train, y_train, x_test, y_test"
                    + " (float32 inputs in the model's layout, used as they are; integer labels)."
                    + " Default: embedded for demo, auto otherwise, and none for your own ONNX model: it must be"
                    + " given the data it was trained for.")
    String data;

    /** What --data means when not given. */
    private final String defaultData;

    @Option(
            names = "--backend",
            paramLabel = "NAME",
            description = "Backend to use (see 'lc4j backends'); default: -Dlc4j.backend, then $LC4J_BACKEND,"
                    + " then the available backend of lowest rank.")
    String backend;

    @Option(names = "--threads", description = "Threads for the backend. Default: all processors.")
    Integer threads;

    @Option(
            names = "--config",
            paramLabel = "FILE.yaml|FILE.json",
            description = "Read option values from a YAML or JSON file: one key per option, named as the option"
                    + " without '--' (e.g. mu-steps: 10); the command line overrides the file.")
    Path config;

    @Option(
            names = "--backend-property",
            paramLabel = "KEY=VALUE",
            mapFallbackValue = "",
            split = ",",
            description = "A backend property, repeatable, e.g. nd4j.blas.threads=2 or tensorflow.device=/CPU:0;"
                    + " 'lc4j backends' lists each backend's keys. An unknown key is an error.")
    Map<String, String> backendProperties = new LinkedHashMap<>();

    CommonOptions(String defaultData) {
        this.defaultData = defaultData;
    }

    CommonOptions() {
        this("auto");
    }

    Lc4j lc4j() {
        int count = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (count < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + count);
        }
        Lc4j.Builder builder = Lc4j.builder().threads(count);
        if (backend != null) {
            builder.backend(backend);
        }
        backendProperties.forEach(builder::property);
        return builder.build();
    }

    /** The --data given, or the command's default. */
    String data() {
        return data != null ? data : defaultData;
    }

    /**
     * Fails when {@code model} is an ONNX file and no --data was given (on the command line or in
     * a config file): the default data fit the zoo's nets, and a user's net silently trained and
     * scored on them would give numbers that mean nothing.
     */
    void requireDataFor(String model) {
        if (data == null && model != null && ModelSource.isOnnx(model)) {
            throw new IllegalArgumentException("--model " + model + " is your own net: give the data it was"
                    + " trained for with --data DIR|FILE.npz (x_train, y_train, x_test, y_test in the model's"
                    + " input layout); only the zoo's models default to Fashion-MNIST");
        }
    }

    TrainTestSplit loadData() {
        return DataSets.resolve(data());
    }

    /**
     * The data of a training run: a sharded folder's training files as separate shards (no one
     * array need hold them all), anything else as {@link #loadData} reads it.
     */
    TrainingLocation.Data loadTrainingData() {
        java.nio.file.Path folder = sharded();
        if (folder != null) {
            DataSets.Shards shards = DataSets.readShards(folder);
            return new TrainingLocation.Data(
                    io.github.lc4j.core.TrainingSet.of(shards.train()), shards.test(), shards.description());
        }
        return TrainingLocation.Data.local(loadData());
    }

    /** A test set and where it came from. */
    record TestData(io.github.lc4j.core.data.Dataset test, String description) {}

    /** The test set alone: a data .npz's or a sharded folder's test arrays, else {@link #loadData}'s. */
    TestData loadTestData() {
        String choice = data();
        java.nio.file.Path folder = sharded();
        java.nio.file.Path file = folder != null
                ? folder.resolve(DataSets.SHARDED_TEST_FILE)
                : choice.toLowerCase(java.util.Locale.ROOT).endsWith(".npz") ? java.nio.file.Path.of(choice) : null;
        if (file == null) {
            TrainTestSplit split = loadData();
            return new TestData(split.test(), split.description());
        }
        io.github.lc4j.core.data.Dataset test = DataSets.npzSplit(file, "test");
        return new TestData(test, file + String.format(java.util.Locale.ROOT, " (%,d test samples)", test.size()));
    }

    private java.nio.file.Path sharded() {
        String choice = data();
        if (choice.equals("embedded")
                || choice.equals("auto")
                || choice.toLowerCase(java.util.Locale.ROOT).endsWith(".npz")) {
            return null;
        }
        java.nio.file.Path folder = java.nio.file.Path.of(choice);
        return DataSets.shardFiles(folder) != null ? folder : null;
    }
}
