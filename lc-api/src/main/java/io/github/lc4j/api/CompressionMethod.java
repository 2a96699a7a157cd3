package io.github.lc4j.api;

import java.util.Arrays;
import java.util.Locale;

/**
 * How the weights are brought onto their codebooks: LC in either of its two forms, or one of the
 * baselines the LC paper compares against, run in the same framework with the same epochs.
 */
public enum CompressionMethod {
    /** LC, augmented Lagrangian: multipliers λ are updated after every C step. */
    AUGMENTED_LAGRANGIAN("lc", "LC"),
    /** LC, quadratic penalty: λ stays 0. */
    QUADRATIC_PENALTY("qp", "LC-qp"),
    /**
     * Iterated direct compression: each iteration trains without penalty, starting from the
     * quantized weights, for the epochs LC's L step would take, then quantizes again.
     */
    ITERATED_DIRECT_COMPRESSION("idc", "iDC"),
    /**
     * Straight-through estimator (BinaryConnect): every step takes the gradient at the quantized
     * weights and applies it to the float weights, whose quantization is refreshed (a warm-started
     * C step) after every step; as many epochs as LC.
     */
    STRAIGHT_THROUGH("ste", "STE"),
    /** Direct compression: the reference quantized once, no training. */
    DIRECT_COMPRESSION("dc", "DC");

    private final String key;
    private final String label;

    CompressionMethod(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** Returns the short name used on the command line, e.g. {@code lc} or {@code ste}. */
    public String key() {
        return key;
    }

    /** Returns the name used in result tables, e.g. {@code LC} or {@code iDC}. */
    public String label() {
        return label;
    }

    /** Returns whether this method runs the LC loop (penalty targets, μ schedule). */
    public boolean isLc() {
        return this == AUGMENTED_LAGRANGIAN || this == QUADRATIC_PENALTY;
    }

    /**
     * Returns the method whose {@link #key()} is {@code key} (case-insensitive).
     *
     * @throws InvalidInputException naming the bad key and the valid ones
     */
    public static CompressionMethod byKey(String key) {
        for (CompressionMethod method : values()) {
            if (method.key.equals(key.strip().toLowerCase(Locale.ROOT))) {
                return method;
            }
        }
        throw new InvalidInputException("unknown method '" + key + "'; choose one of "
                + Arrays.stream(values()).map(CompressionMethod::key).toList());
    }
}
