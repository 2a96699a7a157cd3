package io.github.lc4j.spark;

import io.github.lc4j.api.spi.Batch;
import java.io.Serializable;

/** One partition's training samples: {@code labels.length} consecutive samples from global index {@code first}. */
final class Shard implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    final int first;
    final int sampleSize;
    final float[] inputs;
    final int[] labels;

    Shard(int partition, int first, int sampleSize, float[] inputs, int[] labels) {
        this.partition = partition;
        this.first = first;
        this.sampleSize = sampleSize;
        this.inputs = inputs;
        this.labels = labels;
    }

    /** Returns this shard's samples as starting at global index {@code start} (the arrays are shared). */
    Shard at(int start) {
        return new Shard(partition, start, sampleSize, inputs, labels);
    }

    /** Returns the samples [from, to) of {@code dataset} as partition {@code partition}, starting at global index from. */
    static Shard of(int partition, io.github.lc4j.core.data.Dataset dataset, int from, int to) {
        Batch samples = dataset.range(from, to);
        return new Shard(partition, from, dataset.sampleSize(), samples.inputs(), samples.labels());
    }

    int size() {
        return labels.length;
    }

    /**
     * Returns the samples of {@code indices} (global, a minibatch) that this shard holds, in the
     * minibatch's order, or null when it holds none.
     */
    Batch slice(int[] indices) {
        int count = 0;
        for (int index : indices) {
            if (index >= first && index < first + labels.length) {
                count++;
            }
        }
        if (count == 0) {
            return null;
        }
        float[] sliceInputs = new float[count * sampleSize];
        int[] sliceLabels = new int[count];
        int row = 0;
        for (int index : indices) {
            int local = index - first;
            if (local >= 0 && local < labels.length) {
                System.arraycopy(inputs, local * sampleSize, sliceInputs, row * sampleSize, sampleSize);
                sliceLabels[row++] = labels[local];
            }
        }
        return new Batch(sliceInputs, sliceLabels);
    }
}
