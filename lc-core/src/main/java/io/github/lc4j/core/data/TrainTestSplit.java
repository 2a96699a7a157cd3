package io.github.lc4j.core.data;

import static java.util.Objects.requireNonNull;

/**
 * A training set and a test set, standardized with the training set's statistics.
 *
 * @param train       the training samples
 * @param test        the test samples
 * @param description where the data came from, for reports
 */
public record TrainTestSplit(Dataset train, Dataset test, String description) {

    /** Checks that both sets have the same sample shape. */
    public TrainTestSplit {
        requireNonNull(train, "train is null");
        requireNonNull(test, "test is null");
        requireNonNull(description, "description is null");
        io.github.lc4j.api.support.Checks.checkArgument(
                train.sampleSize() == test.sampleSize(),
                "train and test samples differ in size: %d vs %d",
                train.sampleSize(),
                test.sampleSize());
    }

    /** Returns the split with both sets standardized by the training set's mean and deviation. */
    public TrainTestSplit standardized() {
        double[] statistics = train.meanAndStandardDeviation();
        return new TrainTestSplit(
                train.standardized(statistics[0], statistics[1]),
                test.standardized(statistics[0], statistics[1]),
                description);
    }
}
