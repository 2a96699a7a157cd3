package io.github.lc4j.core.data;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.support.Checks;
import io.github.lc4j.core.io.NpyArray;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/** Where lc4j's data comes from: the embedded Fashion-MNIST sample or an idx directory. */
public final class DataSets {
    /** Where Debian's {@code dataset-fashion-mnist} package installs the full data set. */
    public static final Path SYSTEM_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    /** Samples of the embedded 10k split that form its training part; the rest is the test part. */
    public static final int EMBEDDED_TRAIN_SIZE = 8000;

    private static final long EMBEDDED_SPLIT_SEED = 20171;
    private static final String RESOURCE_FOLDER = "/io/github/lc4j/core/data/";

    private DataSets() {}

    /**
     * Returns the embedded default: Fashion-MNIST's 10,000 test images (MIT licence, shipped as a
     * resource), split by a fixed seeded permutation into 8,000 training and 2,000 test samples,
     * standardized with the training part's statistics.
     */
    public static TrainTestSplit embeddedFashionMnist() {
        Dataset all = embeddedRaw();
        int[] permutation = permutation(all.size(), EMBEDDED_SPLIT_SEED);
        int[] trainIndices = Arrays.copyOfRange(permutation, 0, EMBEDDED_TRAIN_SIZE);
        int[] testIndices = Arrays.copyOfRange(permutation, EMBEDDED_TRAIN_SIZE, all.size());
        return new TrainTestSplit(
                        all.subset("fashion-mnist-embedded-train", trainIndices),
                        all.subset("fashion-mnist-embedded-test", testIndices),
                        "embedded Fashion-MNIST sample (8,000 train / 2,000 test of the 10k test split)")
                .standardized();
    }

    /**
     * Reads full Fashion-MNIST (or MNIST) from {@code directory}: {@code train-images-idx3-ubyte},
     * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte},
     * each optionally with {@code .gz}.
     *
     * @throws InvalidInputException naming the missing or corrupt file
     */
    public static TrainTestSplit fromIdxDirectory(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new InvalidInputException("data directory " + directory + " does not exist; give a folder with the"
                    + " four idx files of (Fashion-)MNIST, or install Debian's dataset-fashion-mnist");
        }
        Dataset train = read(directory, "train", "train");
        Dataset test = read(directory, "t10k", "test");
        return new TrainTestSplit(
                        train,
                        test,
                        "idx files in " + directory + " (" + train.size() + " train / " + test.size() + " test)")
                .standardized();
    }

    /** The arrays a data {@code .npz} must hold. */
    public static final List<String> NPZ_ARRAYS = List.of("x_train", "y_train", "x_test", "y_test");

    /**
     * Reads a user's data set from one {@code .npz} holding {@code x_train}, {@code y_train},
     * {@code x_test}, {@code y_test}: float inputs of shape {@code [samples, ...]} in the model's
     * input layout, used as they are (no standardization), and integer class labels of shape
     * {@code [samples]}.
     *
     * @throws InvalidInputException naming the file and the missing, mis-shaped or mistyped array
     */
    public static TrainTestSplit fromNpz(Path file) {
        NpzArrays arrays = readNpzArrays(file, NPZ_ARRAYS);
        Dataset train = npzSplit(
                file, "train", arrays.inputs().get("x_train"), arrays.labels().get("y_train"));
        Dataset test = npzSplit(
                file, "test", arrays.inputs().get("x_test"), arrays.labels().get("y_test"));
        if (!Arrays.equals(train.sampleShape(), test.sampleShape())) {
            throw new InvalidInputException("data file " + file + ": x_train samples have shape "
                    + Arrays.toString(train.sampleShape()) + " but x_test samples "
                    + Arrays.toString(test.sampleShape()));
        }
        return new TrainTestSplit(
                train, test, file.getFileName() + " (" + train.size() + " train / " + test.size() + " test)");
    }

    /**
     * Reads one split of a data {@code .npz}: {@code x_<split>} and {@code y_<split>} as {@link #fromNpz}
     * checks them, the other arrays ignored; for data kept in several files, e.g. one per partition
     * of a cluster.
     *
     * @param split {@code train} or {@code test}
     * @throws InvalidInputException naming the file and the missing, mis-shaped or mistyped array
     */
    public static Dataset npzSplit(Path file, String split) {
        Checks.checkArgument(
                split.equals("train") || split.equals("test"), "split must be train or test, got %s", split);
        NpzArrays arrays = readNpzArrays(file, List.of("x_" + split, "y_" + split));
        return npzSplit(
                file, split, arrays.inputs().get("x_" + split), arrays.labels().get("y_" + split));
    }

    /** A data .npz's arrays: the inputs ({@code x_…}) read straight into floats, the labels as they are. */
    private record NpzArrays(Map<String, NpyArray.Floats> inputs, Map<String, NpyArray> labels) {
        boolean has(String name) {
            return inputs.containsKey(name) || labels.containsKey(name);
        }
    }

    /** Reads the arrays {@code wanted} of {@code file}, all of them or an error naming the missing ones. */
    private static NpzArrays readNpzArrays(Path file, List<String> wanted) {
        NpzArrays arrays = new NpzArrays(new HashMap<>(), new HashMap<>());
        try (InputStream stream = new BufferedInputStream(Files.newInputStream(file));
                ZipInputStream zip = new ZipInputStream(stream)) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName().replaceFirst("\\.npy$", "");
                if (wanted.contains(name) && name.startsWith("x_")) {
                    arrays.inputs().put(name, NpyArray.readFloats(zip, file + "!" + entry.getName()));
                } else if (wanted.contains(name)) {
                    arrays.labels().put(name, NpyArray.read(zip, file + "!" + entry.getName()));
                }
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("data file " + file + " does not exist", e);
        } catch (ZipException | IllegalArgumentException e) {
            throw new InvalidInputException("data file " + file + " is not a valid .npz archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read data file " + file + ": " + e, e);
        }
        List<String> missing = wanted.stream().filter(name -> !arrays.has(name)).toList();
        if (!missing.isEmpty()) {
            throw new InvalidInputException("data file " + file + " lacks " + missing + "; it needs " + wanted
                    + " (np.savez(path, " + String.join("=..., ", wanted) + "=...))");
        }
        return arrays;
    }

    private static Dataset npzSplit(Path file, String split, NpyArray.Floats x, NpyArray y) {
        String where = "data file " + file + ": ";
        int[] xShape = x.shape();
        int[] yShape = y.shape();
        if (x.isInteger()) {
            throw new InvalidInputException(where + "x_" + split + " holds " + x.dtype() + " values; inputs must be"
                    + " float32 (arr.astype('float32'), scaled as the model expects)");
        }
        if (xShape.length < 2) {
            throw new InvalidInputException(where + "x_" + split + " has shape " + Arrays.toString(xShape)
                    + "; it needs [samples, ...] with the model's input shape after the sample axis");
        }
        if (yShape.length != 1 || yShape[0] != xShape[0]) {
            throw new InvalidInputException(where + "y_" + split + " has shape " + Arrays.toString(yShape)
                    + "; it needs one label per sample of x_" + split + ", shape [" + xShape[0] + "]");
        }
        if (!y.isInteger()) {
            throw new InvalidInputException(where + "y_" + split + " holds " + y.dtype()
                    + " values; labels must be integer class indices (arr.astype('int64'))");
        }
        double[] raw = y.values();
        int[] labels = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] < 0 || raw[i] > 1 << 20) {
                throw new InvalidInputException(
                        where + "y_" + split + "[" + i + "] = " + (long) raw[i] + " is not a class index (0, 1, 2, …)");
            }
            labels[i] = (int) raw[i];
        }
        if (xShape[0] == 0) {
            throw new InvalidInputException(where + "x_" + split + " holds no samples");
        }
        float[] inputs = x.values();
        for (int i = 0; i < inputs.length; i++) {
            if (!Float.isFinite(inputs[i])) {
                throw new InvalidInputException(
                        where + "x_" + split + " holds a non-finite value (" + inputs[i] + ") at flat index " + i);
            }
        }
        return new Dataset(
                file.getFileName() + "-" + split, Arrays.copyOfRange(xShape, 1, xShape.length), inputs, labels);
    }

    /**
     * Returns the data a command should use: {@code embedded} for the embedded sample, {@code auto}
     * for the system copy of Fashion-MNIST when installed and else the embedded sample, a data
     * {@code .npz} ({@link #fromNpz}), a sharded folder ({@link #readShards}, its training shards
     * joined into one set), or a directory of idx files.
     */
    public static TrainTestSplit resolve(String choice) {
        if (choice == null || choice.equals("auto")) {
            return Files.isDirectory(SYSTEM_FASHION_MNIST)
                    ? fromIdxDirectory(SYSTEM_FASHION_MNIST)
                    : embeddedFashionMnist();
        }
        if (choice.equals("embedded")) {
            return embeddedFashionMnist();
        }
        if (choice.toLowerCase(Locale.ROOT).endsWith(".npz")) {
            return fromNpz(Path.of(choice));
        }
        if (shardFiles(Path.of(choice)) != null) {
            Shards shards = readShards(Path.of(choice));
            return new TrainTestSplit(concatenate(shards.train()), shards.test(), shards.description());
        }
        return fromIdxDirectory(Path.of(choice));
    }

    /** The test file of a sharded folder; its training files are {@code train-*.npz}. */
    public static final String SHARDED_TEST_FILE = "test.npz";

    /**
     * A sharded data folder read into memory: each {@code train-*.npz} file (x_train, y_train) one
     * training shard, in file-name order, and {@code test.npz} (x_test, y_test) the test set.
     *
     * @param train       the training shards
     * @param test        the test set
     * @param description where they came from, for reports
     */
    public record Shards(List<Dataset> train, Dataset test, String description) {}

    /**
     * Returns the training files of {@code folder}, sorted by name, when it is a sharded folder
     * ({@code test.npz} plus {@code train-*.npz}); else null.
     *
     * @throws InvalidInputException for a folder with {@code test.npz} and no training file
     */
    public static List<Path> shardFiles(Path folder) {
        if (!Files.isDirectory(folder) || !Files.isRegularFile(folder.resolve(SHARDED_TEST_FILE))) {
            return null;
        }
        List<Path> files = new java.util.ArrayList<>();
        try (var listing = Files.list(folder)) {
            listing.filter(path -> {
                        String name = path.getFileName().toString();
                        return name.startsWith("train-") && name.endsWith(".npz");
                    })
                    .sorted()
                    .forEach(files::add);
        } catch (IOException e) {
            throw new InvalidInputException("cannot list data folder " + folder + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new InvalidInputException("data folder " + folder + " has " + SHARDED_TEST_FILE + " but no"
                    + " train-*.npz file; a sharded folder holds one or more train-*.npz (x_train, y_train)");
        }
        return files;
    }

    /**
     * Reads the sharded folder {@code folder} (see {@link #shardFiles}); the samples are used as
     * they are, as a data {@code .npz}'s are.
     *
     * @throws InvalidInputException when it is not a sharded folder, or a file is bad (named)
     */
    public static Shards readShards(Path folder) {
        List<Path> files = shardFiles(folder);
        if (files == null) {
            throw new InvalidInputException("data folder " + folder + " is not sharded: it needs " + SHARDED_TEST_FILE
                    + " and train-*.npz files");
        }
        List<Dataset> train = new java.util.ArrayList<>();
        long samples = 0;
        for (Path file : files) {
            Dataset shard = npzSplit(file, "train");
            train.add(shard);
            samples += shard.size();
        }
        Dataset test = npzSplit(folder.resolve(SHARDED_TEST_FILE), "test");
        return new Shards(
                train,
                test,
                folder + " (" + String.format(Locale.ROOT, "%,d", samples) + " train in " + files.size() + " shards / "
                        + String.format(Locale.ROOT, "%,d", test.size()) + " test)");
    }

    /** One data set of every sample of {@code shards}, in order, where one array can hold them. */
    private static Dataset concatenate(List<Dataset> shards) {
        long values = 0;
        int samples = 0;
        for (Dataset shard : shards) {
            values += (long) shard.size() * shard.sampleSize();
            samples += shard.size();
        }
        if (values > Integer.MAX_VALUE - 8) {
            throw new InvalidInputException("the " + shards.size() + " training shards hold " + values + " values, more"
                    + " than one array can; 'lc4j compress' and 'lc4j evaluate' take the shards as they are");
        }
        float[] inputs = new float[(int) values];
        int[] labels = new int[samples];
        int at = 0;
        for (Dataset shard : shards) {
            // sample by sample: a copy of the whole shard first would hold it twice
            for (int i = 0; i < shard.size(); i++, at++) {
                shard.copySample(i, inputs, at * shard.sampleSize());
                labels[at] = shard.label(i);
            }
        }
        return new Dataset(shards.get(0).name(), shards.get(0).sampleShape(), inputs, labels);
    }

    private static Dataset read(Path directory, String prefix, String split) {
        Path images = locate(directory, prefix + "-images-idx3-ubyte");
        Path labels = locate(directory, prefix + "-labels-idx1-ubyte");
        IdxReader.Images pixels = IdxReader.readImages(images);
        int[] classes = IdxReader.readLabels(labels);
        if (classes.length != pixels.count()) {
            throw new InvalidInputException(images + " holds " + pixels.count() + " images but " + labels + " holds "
                    + classes.length + " labels");
        }
        return new Dataset(
                directory.getFileName() + "-" + split,
                new int[] {1, pixels.rows(), pixels.columns()},
                pixels.pixels(),
                classes);
    }

    private static Path locate(Path directory, String baseName) {
        for (String candidate : List.of(baseName, baseName + ".gz")) {
            Path path = directory.resolve(candidate);
            if (Files.isRegularFile(path)) {
                return path;
            }
        }
        throw new InvalidInputException(
                "data directory " + directory + " lacks " + baseName + " (or " + baseName + ".gz)");
    }

    private static Dataset embeddedRaw() {
        try (InputStream images = resource("t10k-images-idx3-ubyte.gz");
                InputStream labels = resource("t10k-labels-idx1-ubyte.gz")) {
            IdxReader.Images pixels = IdxReader.readImages(images, "embedded t10k-images-idx3-ubyte.gz");
            int[] classes = IdxReader.readLabels(labels, "embedded t10k-labels-idx1-ubyte.gz");
            return new Dataset(
                    "fashion-mnist-embedded", new int[] {1, pixels.rows(), pixels.columns()}, pixels.pixels(), classes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded data set", e);
        }
    }

    private static InputStream resource(String name) {
        InputStream stream = DataSets.class.getResourceAsStream(RESOURCE_FOLDER + name);
        if (stream == null) {
            throw new IllegalStateException("embedded data resource " + name + " is missing from lc-core's jar");
        }
        return stream;
    }

    /** Returns a seeded Fisher–Yates permutation of 0 … size-1. */
    public static int[] permutation(int size, long seed) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
