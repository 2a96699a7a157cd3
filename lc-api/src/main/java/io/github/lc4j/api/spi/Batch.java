package io.github.lc4j.api.spi;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;

/**
 * A minibatch: {@code size} samples of {@code inputs.length / size} values each (layout of
 * {@link ModelSpec#inputShape()}) and their class labels. For speed the arrays are shared, not
 * copied: whoever builds a batch must not modify them afterwards, and backends only read them.
 *
 * @param inputs sample values, batch-major
 * @param labels class index of each sample
 */
public record Batch(float[] inputs, int[] labels) {

    /** Checks that the batch is non-empty and the inputs divide evenly among the samples. */
    public Batch {
        requireNonNull(inputs, "inputs is null");
        requireNonNull(labels, "labels is null");
        if (labels.length == 0) {
            throw new InvalidInputException("empty batch: a batch needs at least one sample");
        }
        checkArgument(
                inputs.length % labels.length == 0 && inputs.length > 0,
                "batch has %d input values for %d labels; the count must be a positive multiple of the label count",
                inputs.length,
                labels.length);
    }

    /** Returns the number of samples. */
    public int size() {
        return labels.length;
    }

    /** Returns the number of input values per sample. */
    public int sampleSize() {
        return inputs.length / labels.length;
    }

    /**
     * Checks this batch against {@code model}: per-sample size and label range.
     *
     * @throws InvalidInputException naming the mismatch
     */
    public void checkFits(ModelSpec model) {
        if (sampleSize() != model.inputSize()) {
            throw new InvalidInputException("batch samples have " + sampleSize() + " values but model " + model.name()
                    + " expects " + model.inputSize());
        }
        int classes = model.classCount();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new InvalidInputException("label " + labels[i] + " of sample " + i + " is outside [0, " + classes
                        + ") for model " + model.name());
            }
        }
    }
}
