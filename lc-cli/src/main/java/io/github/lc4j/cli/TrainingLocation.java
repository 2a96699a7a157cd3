package io.github.lc4j.cli;

import io.github.lc4j.core.TrainingSet;
import io.github.lc4j.core.data.Dataset;

/**
 * Where the {@code compress} command's L steps train, when not in this JVM: the {@code lc-spark}
 * module plugs a cluster in through {@link Lc4jCommand#execute(String[], java.io.PrintWriter,
 * java.io.PrintWriter, TrainingLocation)}.
 */
public interface TrainingLocation {

    /** Returns a picocli mixin (an object with {@code @Option} fields) whose options {@code compress} gains. */
    Object options();

    /**
     * Loads the data {@code --data} names: the training set, held where this location trains, and
     * the test set, evaluated in this JVM.
     *
     * @param data the value of {@code --data}
     */
    Data load(String data);

    /** A training set held elsewhere, the local test set and where both came from. */
    record Data(TrainingSet training, Dataset test, String description) {
        /** Returns {@code split} held in this JVM. */
        public static Data local(io.github.lc4j.core.data.TrainTestSplit split) {
            return new Data(TrainingSet.of(split.train()), split.test(), split.description());
        }
    }
}
