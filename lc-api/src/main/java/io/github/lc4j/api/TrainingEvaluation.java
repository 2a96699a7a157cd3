package io.github.lc4j.api;

import java.util.Locale;

/**
 * When a run evaluates the quantized net Δ(Θ) on the training set: after every iteration (the
 * default), on a fixed random sample after every iteration, only once at the end, or never. The
 * test set is always evaluated in full after every iteration. Evaluating the whole training set
 * is a forward pass over as many samples as an epoch; with short L steps it is a large part of
 * a run.
 *
 * @param when       how often and on what
 * @param sampleSize the number of samples of {@link When#SAMPLE}; 0 otherwise
 */
public record TrainingEvaluation(TrainingEvaluation.When when, int sampleSize) {
    /** How often and on what. */
    public enum When {
        /** Every sample after every iteration. */
        EVERY_ITERATION,
        /** The same seeded random sample after every iteration. */
        SAMPLE,
        /** Every sample, once, for the returned net only. */
        AT_END,
        /** Never: training-set evaluations are empty. */
        NEVER
    }

    private static final TrainingEvaluation EVERY = new TrainingEvaluation(When.EVERY_ITERATION, 0);
    private static final TrainingEvaluation END = new TrainingEvaluation(When.AT_END, 0);
    private static final TrainingEvaluation NONE = new TrainingEvaluation(When.NEVER, 0);

    /** What {@link #parse} accepts, for error messages and help texts. */
    public static final String GRAMMAR = "every | sample:N | end | never";

    /**
     * Checks the pair: {@code sampleSize} is at least 1 for {@link When#SAMPLE} and 0 otherwise.
     *
     * @throws IllegalArgumentException naming the bad size
     */
    public TrainingEvaluation {
        java.util.Objects.requireNonNull(when, "when is null");
        if (when == When.SAMPLE ? sampleSize < 1 : sampleSize != 0) {
            throw new IllegalArgumentException(
                    when == When.SAMPLE
                            ? "a training-set sample needs at least 1 sample, not " + sampleSize
                            : "only a sample has a size: " + when + " with " + sampleSize);
        }
    }

    /** Every training sample after every iteration (the default). */
    public static TrainingEvaluation everyIteration() {
        return EVERY;
    }

    /**
     * {@code size} training samples, drawn once with the run's seed, after every iteration (all of
     * them when the set is smaller).
     *
     * @throws IllegalArgumentException when {@code size} &lt; 1
     */
    public static TrainingEvaluation sample(int size) {
        return new TrainingEvaluation(When.SAMPLE, size);
    }

    /** Every training sample, once, for the net the run returns; iterations before it record none. */
    public static TrainingEvaluation atEnd() {
        return END;
    }

    /** No training-set evaluation. */
    public static TrainingEvaluation never() {
        return NONE;
    }

    /**
     * Parses {@code every}, {@code sample:N}, {@code end} or {@code never}.
     *
     * @throws IllegalArgumentException naming the text and the grammar when it is none of them
     */
    public static TrainingEvaluation parse(String text) {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "every":
                return EVERY;
            case "end":
                return END;
            case "never":
                return NONE;
            default:
                if (value.startsWith("sample:")) {
                    try {
                        int size = Integer.parseInt(value.substring("sample:".length()));
                        if (size >= 1) {
                            return sample(size);
                        }
                    } catch (NumberFormatException e) {
                        // falls through to the error below
                    }
                }
                throw new IllegalArgumentException("'" + text + "' is not a training-set evaluation; expected "
                        + GRAMMAR + " (N a positive number of samples)");
        }
    }

    /** Returns whether every iteration's record evaluates on training samples. */
    public boolean afterEveryIteration() {
        return when == When.EVERY_ITERATION || when == When.SAMPLE;
    }

    /** Returns the form {@link #parse} reads. */
    public String describe() {
        return switch (when) {
            case EVERY_ITERATION -> "every";
            case SAMPLE -> "sample:" + sampleSize;
            case AT_END -> "end";
            case NEVER -> "never";
        };
    }

    @Override
    public String toString() {
        return describe();
    }
}
