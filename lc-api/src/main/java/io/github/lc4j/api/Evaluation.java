package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;

/**
 * Loss and error of a net on some samples.
 *
 * @param meanLoss mean softmax cross-entropy
 * @param errors   number of misclassified samples (arg-max of the scores, ties to the lowest index)
 * @param count    number of samples
 */
public record Evaluation(double meanLoss, int errors, int count) {

    /** Checks the counts. */
    public Evaluation {
        checkArgument(
                count >= 0 && errors >= 0 && errors <= count, "bad evaluation counts: %d errors of %d", errors, count);
    }

    /** Returns the fraction of misclassified samples, in [0, 1]. */
    public double errorRate() {
        return count == 0 ? Double.NaN : (double) errors / count;
    }

    /** Returns the evaluation of the union of both sample sets. */
    public Evaluation plus(Evaluation other) {
        int total = count + other.count;
        double loss = total == 0 ? 0 : (meanLoss * count + other.meanLoss * other.count) / total;
        return new Evaluation(loss, errors + other.errors, total);
    }

    /** Returns the evaluation of no samples. */
    public static Evaluation empty() {
        return new Evaluation(0, 0, 0);
    }
}
