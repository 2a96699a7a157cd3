package io.github.lc4j.core;

import static io.github.lc4j.api.support.Checks.checkAtLeast;

import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Seeded minibatch order: epoch {@code e} of a run with seed {@code s} always visits the samples
 * in the same order, whichever backend consumes them. The last batch may be smaller.
 */
public final class Minibatches {
    private final Dataset dataset;
    private final int size;
    private final int batchSize;
    private final long seed;
    /** The epoch whose order was asked for last, and that order. */
    private long orderEpoch = -1;

    private List<int[]> order;

    /** Creates batches of {@code batchSize} samples of {@code dataset}, shuffled with {@code seed}. */
    public Minibatches(Dataset dataset, int batchSize, long seed) {
        this(dataset, dataset.size(), batchSize, seed);
    }

    /**
     * Creates the order of batches of {@code batchSize} among {@code size} samples held elsewhere
     * (the partitions of a cluster), shuffled with {@code seed} as for a data set of that size;
     * {@link #batch} is then unavailable.
     */
    public Minibatches(int size, int batchSize, long seed) {
        this(null, checkAtLeast(size, 1, "training set size"), batchSize, seed);
    }

    private Minibatches(Dataset dataset, int size, int batchSize, long seed) {
        this.dataset = dataset;
        this.size = size;
        this.batchSize = checkAtLeast(batchSize, 1, "batch size");
        this.seed = seed;
    }

    /** Returns the number of batches per epoch. */
    public int batchesPerEpoch() {
        return (size + batchSize - 1) / batchSize;
    }

    /** Returns the sample indices of each batch of epoch {@code epoch}. */
    public List<int[]> epochIndices(long epoch) {
        int[] order = DataSets.permutation(size, seed * 0x9E3779B97F4A7C15L + epoch);
        List<int[]> batches = new ArrayList<>();
        for (int from = 0; from < order.length; from += batchSize) {
            batches.add(Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize)));
        }
        return batches;
    }

    /**
     * Returns the sample indices of batch {@code index} of epoch {@code epoch}, keeping that epoch's
     * order for the next call (thread-safe: a prefetching thread and the caller may both ask).
     */
    public synchronized int[] indices(long epoch, int index) {
        if (epoch != orderEpoch) {
            order = epochIndices(epoch);
            orderEpoch = epoch;
        }
        return order.get(index);
    }

    /** Returns batch {@code index} of epoch {@code epoch}. */
    public Batch batch(long epoch, int index) {
        if (dataset == null) {
            throw new IllegalStateException("these minibatches index samples held elsewhere; gather them there");
        }
        return dataset.batch(indices(epoch, index));
    }
}
