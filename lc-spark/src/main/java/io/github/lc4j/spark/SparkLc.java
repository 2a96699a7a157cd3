package io.github.lc4j.spark;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.core.DataSets;
import io.github.lc4j.core.Dataset;
import io.github.lc4j.core.TrainTestSplit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
    private static final Map<String, TrainTestSplit> LOADED = new ConcurrentHashMap<>();

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
     * contiguous range of training samples.
     *
     * @throws InvalidInputException naming the path and the fix when it cannot be read, its files
     *                               disagree, or a partition would hold no sample
     */
    public static Data data(JavaSparkContext spark, String choice, SparkOptions options) {
        requireNonNull(spark, "spark is null");
        requireNonNull(choice, "choice is null");
        requireNonNull(options, "options is null");
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
        long held = SparkErrors.rethrown(() -> shards.map(Shard::size).reduce(Integer::sum));
        if (held != train.size()) {
            shards.unpersist(false);
            throw new InvalidInputException("the executors read " + held + " training samples from " + choice
                    + " but the driver " + train.size() + ": every node must see the same data");
        }
        SparkTrainingSet training = new SparkTrainingSet(
                spark, shards, train.name(), train.size(), train.sampleSize(), train.classCount(), options);
        return new Data(
                training, split.test(), split.description() + ", training set in " + partitions + " Spark partitions");
    }

    private static Shard shard(String choice, int expectedSize, int[] range) {
        Dataset train = read(choice).train();
        if (train.size() != expectedSize) {
            throw new InvalidInputException("an executor read " + train.size() + " training samples from " + choice
                    + " but the driver " + expectedSize + ": every node must see the same data");
        }
        int from = range[1];
        int to = range[2];
        io.github.lc4j.api.spi.Batch samples = train.range(from, to);
        return new Shard(range[0], from, train.sampleSize(), samples.inputs(), samples.labels());
    }

    /** Reads (once per JVM) the split {@code choice} names, through Hadoop for a URI with a scheme. */
    private static TrainTestSplit read(String choice) {
        TrainTestSplit cached = LOADED.get(choice);
        if (cached != null) {
            return cached;
        }
        synchronized (LOADED) {
            return LOADED.computeIfAbsent(choice, key -> {
                if (LOADED.size() > 2) {
                    LOADED.clear();
                }
                String local = localPath(key);
                try {
                    return DataSets.resolve(local);
                } finally {
                    if (!local.equals(key)) {
                        deleteCopy(Path.of(local).getParent());
                    }
                }
            });
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
        if (!choice.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
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
