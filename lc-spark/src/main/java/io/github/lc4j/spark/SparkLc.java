package io.github.lc4j.spark;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * LC with its L step on Apache Spark. Load the data with {@link #data}: the training set goes into
 * cached partitions, read by the executors themselves, the test set stays on the driver; then run
 * {@link io.github.lc4j.core.Lc4j#compress} on the driver as on one machine:
 *
 * <pre>{@code
 * JavaSparkContext spark = JavaSparkContext.fromSparkContext(session.sparkContext());
 * try (SparkLc.Data data = SparkLc.data(spark, "hdfs:///data/fashion-mnist", SparkOptions.averaging(4))) {
 *     LcResult result = Lc4j.create().compress(CompressionRequest.builder()
 *             .model(model).reference(reference).data(data.training(), data.test(), data.description())
 *             .codebook(Codebook.adaptive(2)).build());
 * }
 * }</pre>
 *
 * The C step, the multipliers, evaluation on the test set and checkpoints run on the driver.
 */
public final class SparkLc {
    /**
     * The split a node read last, while its partitions are built: the tasks of one node share it.
     * Emptied once the partitions are cached (see {@link #forgetLoaded}).
     */
    private static final Map<String, TrainTestSplit> LOADED = new java.util.HashMap<>();

    private SparkLc() {}

    /** A training set in Spark partitions, the driver's test set and where they came from. */
    public record Data(SparkTrainingSet training, Dataset test, String description) implements AutoCloseable {
        /** Frees the training set's cached partitions. */
        @Override
        public void close() {
            training.close();
        }
    }

    /**
     * Loads the data {@code choice} names, as {@code --data} does ({@code embedded}, a folder of idx
     * files, a data {@code .npz}), from a local path every node can read or from any Hadoop file
     * system ({@code hdfs://…}, {@code s3a://…}): every executor reads it and keeps its partition's
     * contiguous range of training samples. A sharded folder, {@code test.npz} ({@code x_test},
     * {@code y_test}) and {@code train-*.npz} files ({@code x_train}, {@code y_train}), gives one
     * partition per training file, read only by its executor; the driver reads only the test file.
     *
     * @throws InvalidInputException naming the path and the fix when it cannot be read, its files
     *                               disagree, or a partition would hold no sample
     */
    public static Data data(JavaSparkContext spark, String choice, SparkOptions options) {
        requireNonNull(spark, "spark is null");
        requireNonNull(choice, "choice is null");
        requireNonNull(options, "options is null");
        List<String> files = shardFiles(choice);
        if (files != null) {
            return sharded(spark, choice, files, options);
        }
        TrainTestSplit split = read(choice);
        Dataset train = split.train();
        int partitions = options.partitions() == 0 ? spark.defaultParallelism() : options.partitions();
        if (partitions > train.size()) {
            throw new InvalidInputException(partitions + " partitions for the " + train.size() + " training samples of "
                    + choice + ": some partition would hold no sample; use at most " + train.size() + " partitions");
        }
        List<int[]> ranges = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            ranges.add(new int[] {
                p, (int) ((long) p * train.size() / partitions), (int) ((long) (p + 1) * train.size() / partitions)
            });
        }
        int expectedSize = train.size();
        JavaRDD<Shard> shards = spark.parallelize(ranges, partitions)
                .map(range -> shard(choice, expectedSize, range))
                .persist(StorageLevel.MEMORY_ONLY());
        try {
            // every shard checks its executor read as many samples as the driver, so the ranges cover the set
            SparkErrors.rethrown(shards::count);
            // the executors' copies of the whole set go too, where the partitions were built
            SparkErrors.rethrown(() -> {
                shards.foreachPartition(partition -> forgetLoaded());
                return null;
            });
        } catch (RuntimeException e) {
            shards.unpersist(false);
            throw e;
        } finally {
            forgetLoaded();
        }
        SparkTrainingSet training = new SparkTrainingSet(
                spark, shards, train.name(), train.size(), train.sampleSize(), train.classCount(), options);
        return new Data(
                training, split.test(), split.description() + ", training set in " + partitions + " Spark partitions");
    }

    /** The name of a sharded folder's test file; its training files are {@code train-*.npz}. */
    static final String SHARDED_TEST_FILE = DataSets.SHARDED_TEST_FILE;

    /**
     * The training files of {@code choice} when it is a sharded folder ({@code test.npz} plus
     * {@code train-*.npz}), sorted by name; else null.
     */
    private static List<String> shardFiles(String choice) {
        if (choice.equals("embedded")
                || choice.equals("auto")
                || choice.toLowerCase(java.util.Locale.ROOT).endsWith(".npz")) {
            return null;
        }
        List<String> names = new ArrayList<>();
        boolean hasTest = false;
        try {
            if (hasScheme(choice)) {
                org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(choice);
                FileSystem files = folder.getFileSystem(new Configuration());
                if (!files.exists(folder) || !files.getFileStatus(folder).isDirectory()) {
                    return null;
                }
                for (org.apache.hadoop.fs.FileStatus status : files.listStatus(folder)) {
                    String name = status.getPath().getName();
                    hasTest |= name.equals(SHARDED_TEST_FILE);
                    if (name.startsWith("train-") && name.endsWith(".npz")) {
                        names.add(status.getPath().toString());
                    }
                }
            } else {
                List<Path> local = DataSets.shardFiles(Path.of(choice));
                if (local == null) {
                    return null;
                }
                return local.stream().map(Path::toString).toList();
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot list data folder " + choice + ": " + e.getMessage(), e);
        }
        if (!hasTest) {
            return null;
        }
        if (names.isEmpty()) {
            throw new InvalidInputException("data folder " + choice + " has " + SHARDED_TEST_FILE + " but no"
                    + " train-*.npz file; a sharded folder holds one train-*.npz (x_train, y_train) per partition");
        }
        names.sort(null);
        return names;
    }

    /** One partition per training file, read by the executors; the driver reads only the test file. */
    private static Data sharded(JavaSparkContext spark, String choice, List<String> files, SparkOptions options) {
        if (options.partitions() != 0 && options.partitions() != files.size()) {
            throw new InvalidInputException("data folder " + choice + " holds " + files.size() + " training files,"
                    + " one partition each; leave --partitions out or set it to " + files.size() + ", not "
                    + options.partitions());
        }
        String separator = choice.endsWith("/") ? "" : "/";
        Dataset test = readSplit(choice + separator + SHARDED_TEST_FILE, "test");
        int[] shape = test.sampleShape();
        List<Integer> indices = new ArrayList<>();
        for (int p = 0; p < files.size(); p++) {
            indices.add(p);
        }
        JavaRDD<Shard> loaded = spark.parallelize(indices, files.size())
                .map(p -> {
                    Dataset part = readSplit(files.get(p), "train");
                    if (!java.util.Arrays.equals(part.sampleShape(), shape)) {
                        throw new InvalidInputException("data file " + files.get(p) + ": x_train samples have shape "
                                + java.util.Arrays.toString(part.sampleShape()) + " but " + SHARDED_TEST_FILE
                                + "'s x_test samples " + java.util.Arrays.toString(shape));
                    }
                    return Shard.of(p, part, 0, part.size());
                })
                .persist(StorageLevel.MEMORY_ONLY());
        try {
            List<int[]> counts = SparkErrors.rethrown(() -> loaded.map(
                            shard -> new int[] {shard.partition, shard.size(), max(shard.labels)})
                    .collect());
            int[] starts = new int[files.size()];
            int classes = 0;
            long total = 0;
            for (int[] count : counts) {
                starts[count[0]] = count[1];
                classes = Math.max(classes, count[2] + 1);
            }
            for (int p = 0; p < starts.length; p++) {
                int size = starts[p];
                starts[p] = (int) total;
                total += size;
            }
            if (total > Integer.MAX_VALUE) {
                throw new InvalidInputException("data folder " + choice + " holds " + total + " training samples;"
                        + " lc4j indexes at most " + Integer.MAX_VALUE);
            }
            JavaRDD<Shard> shards =
                    loaded.map(shard -> shard.at(starts[shard.partition])).persist(StorageLevel.MEMORY_ONLY());
            try {
                SparkErrors.rethrown(shards::count);
            } catch (RuntimeException e) {
                shards.unpersist(false);
                throw e;
            }
            String name = folderName(choice) + "-train";
            SparkTrainingSet training = new SparkTrainingSet(
                    spark, shards, name, (int) total, test.sampleSize(), Math.max(classes, 1), options);
            return new Data(
                    training,
                    test,
                    choice + " (" + total + " train in " + files.size() + " files / " + test.size()
                            + " test), training set in " + files.size() + " Spark partitions");
        } finally {
            loaded.unpersist(false);
        }
    }

    private static int max(int[] labels) {
        int max = -1;
        for (int label : labels) {
            max = Math.max(max, label);
        }
        return max;
    }

    private static String folderName(String choice) {
        String trimmed = choice.replaceAll("/+$", "");
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    /** Reads one split of a data {@code .npz}, through Hadoop for a URI with a scheme. */
    private static Dataset readSplit(String file, String split) {
        return withLocalCopy(file, local -> DataSets.npzSplit(Path.of(local), split));
    }

    /** Applies {@code reader} to a local path of {@code file}: itself, or a Hadoop copy removed afterwards. */
    private static <T> T withLocalCopy(String file, java.util.function.Function<String, T> reader) {
        String local = localPath(file);
        try {
            return reader.apply(local);
        } finally {
            if (!local.equals(file)) {
                deleteCopy(Path.of(local).getParent());
            }
        }
    }

    private static boolean hasScheme(String choice) {
        // hdfs://…, s3a://…, file:///… and Hadoop's own file:/… ; two letters at least, so no drive letter
        return choice.matches("^[A-Za-z][A-Za-z0-9+.-]+:/.*");
    }

    private static Shard shard(String choice, int expectedSize, int[] range) {
        Dataset train = read(choice).train();
        if (train.size() != expectedSize) {
            throw new InvalidInputException("an executor read " + train.size() + " training samples from " + choice
                    + " but the driver " + expectedSize + ": every node must see the same data");
        }
        return Shard.of(range[0], train, range[1], range[2]);
    }

    /** Reads (once per JVM) the split {@code choice} names, through Hadoop for a URI with a scheme. */
    private static TrainTestSplit read(String choice) {
        synchronized (LOADED) {
            TrainTestSplit cached = LOADED.get(choice);
            if (cached != null) {
                return cached;
            }
            LOADED.clear();
            TrainTestSplit split = withLocalCopy(choice, DataSets::resolve);
            LOADED.put(choice, split);
            return split;
        }
    }

    /** Drops the split this JVM read: its partitions are cached, the whole set is no longer needed here. */
    private static void forgetLoaded() {
        synchronized (LOADED) {
            LOADED.clear();
        }
    }

    private static void deleteCopy(Path folder) {
        try (var files = Files.walk(folder)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary copy left behind is harmless
        }
    }

    /** A local path for {@code choice}: itself, or a copy of a Hadoop file or folder in a temporary folder. */
    private static String localPath(String choice) {
        if (!hasScheme(choice)) {
            return choice;
        }
        org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(choice);
        try {
            FileSystem files = source.getFileSystem(new Configuration());
            if (!files.exists(source)) {
                throw new InvalidInputException("data " + choice + " does not exist; give a folder of idx files or a"
                        + " data .npz that every node can read");
            }
            Path folder = Files.createTempDirectory("lc4j-data");
            Path target = folder.resolve(source.getName());
            files.copyToLocalFile(false, source, new org.apache.hadoop.fs.Path(target.toUri()), true);
            return target.toString();
        } catch (IOException e) {
            throw new InvalidInputException(
                    "cannot read data " + choice + " through Hadoop: " + e.getMessage()
                            + "; check the path and that this node reaches its file system",
                    e);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            throw new InvalidInputException("cannot read data " + choice + ": " + e.getMessage(), e);
        }
    }
}
