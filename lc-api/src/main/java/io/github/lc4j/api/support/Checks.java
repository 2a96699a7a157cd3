package io.github.lc4j.api.support;

import io.github.lc4j.api.InvalidInputException;
import java.util.Arrays;

/**
 * Argument checks whose failures carry the bad value. The single-value checks build their message
 * only on failure (no varargs array, no boxing): they run on every training step.
 */
public final class Checks {
    private Checks() {}

    /** Throws {@link IllegalArgumentException} with the formatted message unless {@code condition}. */
    public static void checkArgument(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }

    /** Returns {@code value} if it is finite and strictly positive, else throws naming {@code what}. */
    public static double checkPositive(double value, String what) {
        if (!(Double.isFinite(value) && value > 0)) {
            throw new IllegalArgumentException(what + " must be a finite number > 0, got " + value);
        }
        return value;
    }

    /** Returns {@code value} if it is finite and not negative, else throws naming {@code what}. */
    public static double checkNonNegative(double value, String what) {
        if (!(Double.isFinite(value) && value >= 0)) {
            throw new IllegalArgumentException(what + " must be a finite number >= 0, got " + value);
        }
        return value;
    }

    /** Returns {@code value} if it is at least {@code min}, else throws naming {@code what}. */
    public static int checkAtLeast(int value, int min, String what) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    /** Throws {@link InvalidInputException} naming {@code what} and the first non-finite index, if any. */
    public static void checkFinite(float[] values, String what) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new InvalidInputException(what + " contains a non-finite value (" + values[i] + ") at index " + i
                        + "; NaN or infinite weights usually mean training diverged: lower the learning rate or μ");
            }
        }
    }

    /** Returns the product of {@code shape}'s dimensions, rejecting non-positive ones. */
    public static int elementCount(int[] shape) {
        long count = 1;
        for (int dimension : shape) {
            if (dimension <= 0) {
                throw new IllegalArgumentException("shape dimensions must be > 0, got " + Arrays.toString(shape));
            }
            count *= dimension;
        }
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than 2^31-1 elements");
        }
        return (int) count;
    }
}
