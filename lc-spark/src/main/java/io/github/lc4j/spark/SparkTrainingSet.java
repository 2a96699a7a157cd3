package io.github.lc4j.spark;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.core.Learner;
import io.github.lc4j.core.TrainingSet;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A training set held in the cached partitions of a Spark cluster: its learners run the L step's
 * minibatches on the executors ({@link SparkMode}), and the driver keeps weights, momentum and the
 * update. Close it to free the cached partitions.
 */
public final class SparkTrainingSet implements TrainingSet, AutoCloseable {
    private final JavaSparkContext spark;
    private final JavaRDD<Shard> shards;
    private final String name;
    private final int size;
    private final int sampleSize;
    private final int classCount;
    private final int partitions;
    private final SparkOptions options;
    private final Traffic traffic = new Traffic();

    SparkTrainingSet(
            JavaSparkContext spark,
            JavaRDD<Shard> shards,
            String name,
            int size,
            int sampleSize,
            int classCount,
            SparkOptions options) {
        this.spark = spark;
        this.shards = shards;
        this.name = name;
        this.size = size;
        this.sampleSize = sampleSize;
        this.classCount = classCount;
        this.partitions = shards.getNumPartitions();
        this.options = options;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int sampleSize() {
        return sampleSize;
    }

    @Override
    public int classCount() {
        return classCount;
    }

    /** Returns the number of partitions holding the samples. */
    public int partitions() {
        return partitions;
    }

    /** Returns how the learners spread the L step. */
    public SparkOptions options() {
        return options;
    }

    /** Returns what this set's learners and evaluations moved so far. */
    public Traffic traffic() {
        return traffic;
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> settings = new java.util.LinkedHashMap<>();
        settings.put("sparkMode", options.mode().key());
        settings.put("localSteps", options.localSteps());
        settings.put("executorBackend", options.executorBackend());
        return settings;
    }

    @Override
    public Learner learner(Backend backend, ModelSpec model, OptimizerSpec optimizer, long seed) {
        checkFits(model);
        Job job = new Job(model, optimizer, seed, size, options);
        return new SparkLearner(this, model, job);
    }

    @Override
    public Evaluation evaluate(Backend backend, ModelSpec model, Weights weights) {
        checkFits(model);
        Job job = new Job(model, OptimizerSpec.builder().build(), 0, size, options);
        return evaluate(job, weights.toMap());
    }

    Evaluation evaluate(Job job, Map<String, float[]> weights) {
        double[] totals = SparkErrors.rethrown(() -> {
            Broadcast<Job> jobs = spark.broadcast(job);
            Broadcast<Map<String, float[]>> point = spark.broadcast(weights);
            try {
                return shards.map(shard -> Executors.evaluate(jobs.value(), point.value(), shard))
                        .treeAggregate(new double[3], SparkTrainingSet::add, SparkTrainingSet::add);
            } finally {
                point.destroy();
                jobs.destroy();
            }
        });
        traffic.add(partitions * SparkLearner.bytes(weights), 24L * partitions);
        int count = (int) totals[2];
        return new Evaluation(count == 0 ? 0 : totals[0] / count, (int) totals[1], count);
    }

    private static double[] add(double[] sum, double[] more) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += more[i];
        }
        return sum;
    }

    JavaSparkContext spark() {
        return spark;
    }

    JavaRDD<Shard> shards() {
        return shards;
    }

    private void checkFits(ModelSpec model) {
        requireNonNull(model, "model is null");
        if (model.inputSize() != sampleSize) {
            throw new InvalidInputException("the training set " + name + " has samples of " + sampleSize
                    + " values but model " + model.name() + " expects " + model.inputSize());
        }
    }

    /** Frees the cached partitions. */
    @Override
    public void close() {
        shards.unpersist(false);
    }

    @Override
    public String toString() {
        return name + " (" + size + " samples in " + partitions + " partitions, "
                + options.mode().key() + ")";
    }
}
