package io.github.lc4j.spark;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.LossAndGradients;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.core.BatchPrefetcher;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.Minibatches;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.spark.TaskContext;

/**
 * The executor side: per JVM, one backend per (name, threads) and a pool of trainers per model and
 * update rule, reused by every task of every run; the work of one task on its shard.
 */
final class Executors {
    private static final Map<String, Backend> BACKENDS = new ConcurrentHashMap<>();
    private static final Map<String, Queue<Trainer>> TRAINERS = new ConcurrentHashMap<>();
    private static final Map<String, List<int[]>> ORDERS = new ConcurrentHashMap<>();

    private Executors() {}

    /** What the driver broadcasts for one synchronous step: the point to differentiate at and the minibatch. */
    record Point(Map<String, float[]> weights, long epoch, int batch) implements java.io.Serializable {}

    /** What the driver broadcasts for one averaging round. */
    record Round(
            Map<String, float[]> weights,
            Map<String, float[]> momentum,
            Map<String, float[]> targets,
            double mu,
            long epoch,
            int firstBatch,
            int batches,
            double learningRate)
            implements java.io.Serializable {}

    /** The sample-weighted gradient of the shard's slice of the minibatch (no penalty: the driver adds it once). */
    static Sums gradients(Job job, Point point, Shard shard) throws Exception {
        job.options.taskHook().call(TaskContext.get());
        Sums sums = new Sums(1);
        Batch slice = shard.slice(batchIndices(job, point.epoch(), point.batch()));
        if (slice == null) {
            return sums;
        }
        ModelSpec model = job.model();
        double[] loss = new double[1];
        float[][] arrays = withTrainer(job, trainer -> {
            trainer.load(Weights.of(model, point.weights()));
            trainer.clearPenalty();
            LossAndGradients result = trainer.lossAndGradients(slice);
            loss[0] = result.loss();
            float[][] gradients = inOrder(model.trainableParameters(), result.gradients());
            List<ParameterSpec> statistics = model.runningStatistics();
            if (statistics.isEmpty()) {
                return gradients;
            }
            // the statistics this slice's training-mode pass moved, for the driver's sample-weighted mean
            float[][] moved = inOrder(statistics, trainer.snapshot().toMap());
            float[][] both = Arrays.copyOf(gradients, gradients.length + moved.length);
            System.arraycopy(moved, 0, both, gradients.length, moved.length);
            return both;
        });
        sums.set(arrays, slice.size());
        sums.lossSums[0] = loss[0] * slice.size();
        sums.counts[0] = slice.size();
        return sums;
    }

    /**
     * k local steps on the shard's slices of the round's minibatches, from the broadcast weights
     * and momentum with the run's penalty; returns weights and momentum weighted by the samples seen.
     */
    static Sums average(Job job, Round round, Shard shard) throws Exception {
        job.options.taskHook().call(TaskContext.get());
        Sums sums = new Sums(round.batches());
        ModelSpec model = job.model();
        withTrainer(job, trainer -> {
            trainer.restore(Weights.of(model, round.weights()), round.momentum());
            trainer.setPenalty(round.targets(), round.mu());
            long seen = 0;
            // the next slice is gathered while this one's step runs; the round's last gathers nothing ahead
            BatchPrefetcher slices = new BatchPrefetcher(
                    (epoch, batch) -> shard.slice(batchIndices(job, epoch, batch)), Integer.MAX_VALUE);
            try {
                for (int j = 0; j < round.batches(); j++) {
                    int batch = round.firstBatch() + j;
                    Batch slice = j + 1 < round.batches()
                            ? slices.take(round.epoch(), batch)
                            : slices.takeLast(round.epoch(), batch);
                    if (slice != null) {
                        double loss = trainer.step(slice, round.learningRate());
                        sums.lossSums[j] = loss * slice.size();
                        sums.counts[j] = slice.size();
                        seen += slice.size();
                    }
                }
            } finally {
                slices.close();
            }
            if (seen > 0) {
                float[][] weights =
                        inOrder(model.parameters(), trainer.snapshot().toMap());
                float[][] momentum = inOrder(model.trainableParameters(), trainer.momentum());
                float[][] both = Arrays.copyOf(weights, weights.length + momentum.length);
                System.arraycopy(momentum, 0, both, weights.length, momentum.length);
                sums.set(both, seen);
            }
            return null;
        });
        return sums;
    }

    /** Loss sum, errors and count of {@code weights} on the shard. */
    static double[] evaluate(Job job, Map<String, float[]> weights, Shard shard) throws Exception {
        job.options.taskHook().call(TaskContext.get());
        return withTrainer(job, trainer -> {
            trainer.load(Weights.of(job.model(), weights));
            double[] totals = new double[3];
            int chunk = 1000;
            for (int from = 0; from < shard.size(); from += chunk) {
                int to = Math.min(shard.size(), from + chunk);
                Batch batch = new Batch(
                        Arrays.copyOfRange(shard.inputs, from * shard.sampleSize, to * shard.sampleSize),
                        Arrays.copyOfRange(shard.labels, from, to));
                io.github.lc4j.api.Evaluation evaluation = trainer.evaluate(batch);
                totals[0] += evaluation.meanLoss() * evaluation.count();
                totals[1] += evaluation.errors();
                totals[2] += evaluation.count();
            }
            return totals;
        });
    }

    /** The arrays of {@code parameters}, in that order. */
    static float[][] inOrder(List<ParameterSpec> parameters, Map<String, float[]> byName) {
        float[][] arrays = new float[parameters.size()][];
        for (int p = 0; p < arrays.length; p++) {
            arrays[p] = byName.get(parameters.get(p).name());
        }
        return arrays;
    }

    /** The global sample indices of minibatch {@code batch} of epoch {@code epoch}, as {@link Minibatches} orders them. */
    private static int[] batchIndices(Job job, long epoch, int batch) {
        String key = job.trainingSize + "/" + job.batchSize + "/" + job.seed + "/" + epoch;
        List<int[]> order = ORDERS.get(key);
        if (order == null) {
            if (ORDERS.size() > 8) {
                ORDERS.clear();
            }
            order = new Minibatches(job.trainingSize, job.batchSize, job.seed).epochIndices(epoch);
            ORDERS.put(key, order);
        }
        return order.get(batch);
    }

    private static <T> T withTrainer(Job job, Function<Trainer, T> work) {
        Queue<Trainer> pool = TRAINERS.computeIfAbsent(job.trainerKey, ignored -> new ConcurrentLinkedQueue<>());
        Trainer trainer = pool.poll();
        if (trainer == null) {
            trainer = backend(job).newTrainer(job.model(), job.update());
        }
        try {
            return work.apply(trainer);
        } finally {
            pool.offer(trainer);
        }
    }

    private static Backend backend(Job job) {
        return BACKENDS.computeIfAbsent(
                job.backend + "/" + job.threads,
                ignored -> Lc4j.builder()
                        .backend(job.backend)
                        .threads(job.threads)
                        .build()
                        .backend());
    }
}
