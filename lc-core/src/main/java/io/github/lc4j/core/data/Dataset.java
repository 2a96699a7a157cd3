package io.github.lc4j.core.data;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.support.Checks;
import java.util.Arrays;

/**
 * An immutable labelled data set held in memory: {@code size()} samples of
 * {@code sampleShape} values each, batch-major, and one class label per sample.
 */
public final class Dataset {
    private final String name;
    private final int[] sampleShape;
    private final int sampleSize;
    private final float[] inputs;
    private final int[] labels;
    private final int classCount;

    /**
     * Creates a data set; the arrays are copied.
     *
     * @throws IllegalArgumentException when the sizes disagree or a label is negative
     */
    public Dataset(String name, int[] sampleShape, float[] inputs, int[] labels) {
        this.name = requireNonNull(name, "name is null");
        this.sampleShape = requireNonNull(sampleShape, "sampleShape is null").clone();
        this.sampleSize = Checks.elementCount(sampleShape);
        checkArgument(
                inputs.length == (long) sampleSize * labels.length,
                "data set %s: %d input values do not make %d samples of %d",
                name,
                inputs.length,
                labels.length,
                sampleSize);
        this.inputs = inputs.clone();
        this.labels = labels.clone();
        int max = -1;
        for (int label : labels) {
            checkArgument(label >= 0, "data set %s has a negative label %d", name, label);
            max = Math.max(max, label);
        }
        this.classCount = max + 1;
    }

    /** Returns the display name. */
    public String name() {
        return name;
    }

    /** Returns the number of samples. */
    public int size() {
        return labels.length;
    }

    /** Returns a copy of the per-sample shape. */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** Returns the number of values per sample. */
    public int sampleSize() {
        return sampleSize;
    }

    /** Returns 1 + the largest label. */
    public int classCount() {
        return classCount;
    }

    /** Returns the label of sample {@code index}. */
    public int label(int index) {
        return labels[index];
    }

    /** Returns a batch of the samples at {@code indices}, in that order. */
    public Batch batch(int[] indices) {
        float[] batchInputs = new float[indices.length * sampleSize];
        int[] batchLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            copySample(indices[i], batchInputs, i * sampleSize);
            batchLabels[i] = labels[indices[i]];
        }
        return new Batch(batchInputs, batchLabels);
    }

    /** Copies sample {@code index}'s inputs into {@code destination} from {@code offset} on. */
    public void copySample(int index, float[] destination, int offset) {
        System.arraycopy(inputs, index * sampleSize, destination, offset, sampleSize);
    }

    /** Returns the samples [from, to) as a batch. */
    public Batch range(int from, int to) {
        checkArgument(0 <= from && from < to && to <= size(), "range [%d, %d) is outside [0, %d)", from, to, size());
        return new Batch(
                Arrays.copyOfRange(inputs, from * sampleSize, to * sampleSize), Arrays.copyOfRange(labels, from, to));
    }

    /** Returns the data set of the samples at {@code indices}. */
    public Dataset subset(String subsetName, int[] indices) {
        Batch batch = batch(indices);
        return new Dataset(subsetName, sampleShape, batch.inputs(), batch.labels());
    }

    /** Returns the mean and standard deviation of all input values. */
    public double[] meanAndStandardDeviation() {
        double sum = 0;
        double squares = 0;
        for (float value : inputs) {
            sum += value;
            squares += (double) value * value;
        }
        double mean = sum / inputs.length;
        double variance = Math.max(0, squares / inputs.length - mean * mean);
        return new double[] {mean, Math.sqrt(variance)};
    }

    /** Returns a copy with every input value mapped to (x − mean) / standardDeviation. */
    public Dataset standardized(double mean, double standardDeviation) {
        checkArgument(standardDeviation > 0, "standard deviation must be > 0, got %s", standardDeviation);
        float[] scaled = new float[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            scaled[i] = (float) ((inputs[i] - mean) / standardDeviation);
        }
        return new Dataset(name, sampleShape, scaled, labels);
    }

    @Override
    public String toString() {
        return name + " (" + size() + " samples of " + Arrays.toString(sampleShape) + ")";
    }
}
