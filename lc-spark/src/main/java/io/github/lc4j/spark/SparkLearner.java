package io.github.lc4j.spark;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.api.support.Checks;
import io.github.lc4j.core.Learner;
import io.github.lc4j.core.Minibatches;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The driver's side of a Spark L step: weights, momentum and penalty live here; every round
 * broadcasts what the executors need, runs one Spark job over the cached partitions and applies
 * the summed result. Synchronous rounds apply {@link TrainerOptions#update} to the summed
 * gradient, then the penalty's proximal pull, the rule every backend follows; averaging rounds take the
 * sample-weighted mean of the executors' weights and momentum.
 */
final class SparkLearner implements Learner {
    private final SparkTrainingSet set;
    private final JavaSparkContext spark;
    private final ModelSpec model;
    /** Every parameter; the trained ones (gradients, momentum); the running statistics (state). */
    private final List<ParameterSpec> parameters;

    private final List<ParameterSpec> trainable;
    private final List<ParameterSpec> statistics;
    private final TrainerOptions update;
    private final Broadcast<Job> job;
    private final SparkMode mode;
    private final int localSteps;
    private final int batchesPerEpoch;
    private Map<String, float[]> weights;
    private Map<String, float[]> velocity;
    private Map<String, float[]> targets = Map.of();
    private double mu;

    SparkLearner(SparkTrainingSet set, ModelSpec model, Job job) {
        this.set = set;
        this.spark = set.spark();
        this.model = model;
        this.parameters = model.parameters();
        this.trainable = model.trainableParameters();
        this.statistics = model.runningStatistics();
        this.update = job.update();
        this.job = SparkErrors.rethrown(() -> spark.broadcast(job));
        this.mode = job.options.mode();
        this.localSteps = job.options.localSteps();
        this.batchesPerEpoch = new Minibatches(job.trainingSize, job.batchSize, job.seed).batchesPerEpoch();
    }

    @Override
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    @Override
    public void load(Weights loaded) {
        weights = Weights.of(model, loaded.toMap()).toMap(); // checked against the model, and a copy
        velocity = new LinkedHashMap<>();
        trainable.forEach(parameter -> velocity.put(parameter.name(), new float[parameter.size()]));
    }

    @Override
    public Weights snapshot() {
        checkLoaded();
        return Weights.of(model, weights);
    }

    @Override
    public Map<String, float[]> momentum() {
        checkLoaded();
        return copies(velocity);
    }

    @Override
    public void restore(Weights restored, Map<String, float[]> momentum) {
        Map<String, float[]> checked = new LinkedHashMap<>();
        for (ParameterSpec parameter : trainable) {
            float[] values = momentum.get(parameter.name());
            if (values == null || values.length != parameter.size()) {
                throw new InvalidInputException("momentum for " + parameter.name() + " of model " + model.name()
                        + (values == null
                                ? " is missing"
                                : " has " + values.length + " values, not " + parameter.size()));
            }
            Checks.checkFinite(values, "momentum for " + parameter.name());
            checked.put(parameter.name(), values.clone());
        }
        load(restored);
        velocity = checked;
    }

    @Override
    public void setPenalty(Map<String, float[]> penaltyTargets, double penaltyWeight) {
        Checks.checkNonNegative(penaltyWeight, "μ");
        Map<String, float[]> checked = new LinkedHashMap<>();
        penaltyTargets.forEach((name, target) -> {
            ParameterSpec parameter = model.parameter(name);
            if (target.length != parameter.size()) {
                throw new InvalidInputException("penalty target for " + name + " has " + target.length
                        + " values, the parameter has " + parameter.size());
            }
            Checks.checkFinite(target, "penalty target for " + name);
            checked.put(name, target.clone());
        });
        targets = checked;
        mu = penaltyWeight;
    }

    @Override
    public double[] steps(long epoch, int firstBatch, int maxBatches, double learningRate) {
        checkLoaded();
        if (mode == SparkMode.SYNCHRONOUS) {
            return new double[] {synchronousStep(epoch, firstBatch, weights, learningRate)};
        }
        return averagingRound(epoch, firstBatch, Math.min(localSteps, maxBatches), learningRate);
    }

    @Override
    public double straightThroughStep(long epoch, int batch, Map<String, float[]> quantized, double learningRate) {
        checkLoaded();
        if (mode != SparkMode.SYNCHRONOUS) {
            throw new InvalidInputException("the straight-through estimator quantizes after every minibatch, which"
                    + " local steps on the executors cannot do: use --spark-mode sync with --method ste");
        }
        Map<String, float[]> point = new LinkedHashMap<>(weights);
        quantized.forEach((name, values) -> {
            if (model.parameter(name).size() != values.length) {
                throw new InvalidInputException("quantized weights for " + name + " have " + values.length
                        + " values, the parameter has " + model.parameter(name).size());
            }
            point.put(name, values);
        });
        return synchronousStep(epoch, batch, point, learningRate);
    }

    /** Sums the executors' gradients at {@code point}, updates the weights and pulls them toward their targets. */
    private double synchronousStep(long epoch, int batch, Map<String, float[]> point, double learningRate) {
        Broadcast<Job> jobs = job;
        // the whole round on the job thread: broadcasting and destroying talk to the block manager too
        Sums sums = SparkErrors.rethrown(() -> {
            Broadcast<Executors.Point> shared = spark.broadcast(new Executors.Point(point, epoch, batch));
            try {
                return set.shards()
                        .map(shard -> Executors.gradients(jobs.value(), shared.value(), shard))
                        .treeAggregate(new Sums(1), Sums::merge, Sums::merge);
            } finally {
                shared.destroy();
            }
        });
        set.traffic()
                .add((long) set.partitions() * bytes(point), (long) set.partitions() * sums.partitionPayloadBytes());
        float pull = (float) update.penaltyPull(learningRate, mu);
        for (int s = 0; s < statistics.size(); s++) {
            weights.put(statistics.get(s).name(), sums.mean(trainable.size() + s));
        }
        for (int p = 0; p < trainable.size(); p++) {
            String name = trainable.get(p).name();
            float[] w = weights.get(name);
            update.update(w, sums.mean(p), velocity.get(name), (float) learningRate);
            float[] target = targets.get(name);
            if (target != null && pull > 0) {
                TrainerOptions.pullTowardTarget(w, target, pull, 0, w.length);
            }
        }
        return sums.lossSums[0] / sums.counts[0];
    }

    /** k local steps on every executor, then the sample-weighted mean of their weights and momentum. */
    private double[] averagingRound(long epoch, int firstBatch, int batches, double learningRate) {
        Executors.Round round =
                new Executors.Round(weights, velocity, targets, mu, epoch, firstBatch, batches, learningRate);
        Broadcast<Job> jobs = job;
        Sums sums = SparkErrors.rethrown(() -> {
            Broadcast<Executors.Round> shared = spark.broadcast(round);
            try {
                return set.shards()
                        .map(shard -> Executors.average(jobs.value(), shared.value(), shard))
                        .treeAggregate(new Sums(batches), Sums::merge, Sums::merge);
            } finally {
                shared.destroy();
            }
        });
        set.traffic()
                .add(
                        (long) set.partitions() * (bytes(weights) + bytes(velocity) + bytes(targets)),
                        (long) set.partitions() * sums.partitionPayloadBytes());
        for (int p = 0; p < parameters.size(); p++) {
            weights.put(parameters.get(p).name(), sums.mean(p));
        }
        for (int t = 0; t < trainable.size(); t++) {
            velocity.put(trainable.get(t).name(), sums.mean(parameters.size() + t));
        }
        double[] losses = new double[batches];
        for (int j = 0; j < batches; j++) {
            losses[j] = sums.lossSums[j] / sums.counts[j];
        }
        return losses;
    }

    @Override
    public Evaluation evaluate(Weights evaluated, Evaluator loaded) {
        return set.evaluate(job.value(), evaluated.toMap());
    }

    @Override
    public void close() {
        SparkErrors.rethrown(() -> {
            job.destroy();
            return null;
        });
    }

    private void checkLoaded() {
        if (weights == null) {
            throw new IllegalStateException("no weights loaded: call load(…) or restore(…) first");
        }
    }

    private static Map<String, float[]> copies(Map<String, float[]> arrays) {
        Map<String, float[]> copies = new LinkedHashMap<>();
        arrays.forEach((name, values) -> copies.put(name, values.clone()));
        return copies;
    }

    static long bytes(Map<String, float[]> arrays) {
        long bytes = 0;
        for (float[] values : arrays.values()) {
            bytes += 4L * values.length;
        }
        return bytes;
    }
}
