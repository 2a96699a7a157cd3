package io.github.lc4j.spark;

import io.github.lc4j.api.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;

/** How the executors share an L step. */
public enum SparkMode {
    /**
     * Per minibatch the driver broadcasts w, every executor returns the gradient of its partition's
     * slice of the minibatch, the driver sums them (treeAggregate) and updates: the same SGD as on
     * one machine.
     */
    SYNCHRONOUS("sync"),
    /**
     * Local SGD: every executor takes k steps on its partition's slices of k minibatches, with the
     * same penalty targets and μ, from the broadcast weights and momentum; the driver averages them,
     * weighted by the samples each executor saw. With k = 1 and plain SGD this is the synchronous update.
     */
    AVERAGING("average");

    private final String key;

    SparkMode(String key) {
        this.key = key;
    }

    /** Returns the command-line name: {@code sync} or {@code average}. */
    public String key() {
        return key;
    }

    /**
     * Returns the mode named {@code key}.
     *
     * @throws InvalidInputException listing the names for an unknown one
     */
    public static SparkMode byKey(String key) {
        String wanted = key == null ? "" : key.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(mode -> mode.key.equals(wanted))
                .findFirst()
                .orElseThrow(
                        () -> new InvalidInputException("--spark-mode must be sync or average, got '" + key + "'"));
    }
}
