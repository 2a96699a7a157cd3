package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * How large the compressed net may be when tasks {@linkplain Codebook.Choice choose} their
 * codebooks: an average number of bits per compressed weight (codes and codebooks included), or a
 * compression ratio ρ of the whole net. Every C step chooses the codebooks so that the net fits;
 * the final net is never larger than the budget.
 *
 * @param kind  what {@code value} measures
 * @param value bits per compressed weight (in (0, 32]) or ρ (≥ 1)
 */
public record BitBudget(Kind kind, double value) {

    /** What a budget's value measures. */
    public enum Kind {
        /** Average bits per compressed weight, codebooks included. */
        BITS_PER_WEIGHT,
        /** ρ = 32 · (parameters) / (bits of the whole compressed net). */
        COMPRESSION_RATIO
    }

    /** Checks the value's range. */
    public BitBudget {
        requireNonNull(kind, "kind is null");
        if (kind == Kind.BITS_PER_WEIGHT) {
            checkArgument(
                    Double.isFinite(value) && value > 0 && value <= 32,
                    "a budget of bits per weight must be in (0, 32], got %s",
                    value);
        } else {
            checkArgument(
                    Double.isFinite(value) && value >= 1, "a budget's compression ratio ρ must be >= 1, got %s", value);
        }
    }

    /** Returns a budget of {@code bits} per compressed weight on average, codebooks included. */
    public static BitBudget bitsPerWeight(double bits) {
        return new BitBudget(Kind.BITS_PER_WEIGHT, bits);
    }

    /** Returns a budget of compression ratio at least {@code rho} for the whole net. */
    public static BitBudget compressionRatio(double rho) {
        return new BitBudget(Kind.COMPRESSION_RATIO, rho);
    }

    /**
     * Returns the bits the compressed net may take in all.
     *
     * @param parameters        the net's parameter count
     * @param compressedWeights how many of them the tasks compress
     * @param uncompressedBits  32 bits per parameter no task compresses
     */
    public long totalBits(long parameters, long compressedWeights, long uncompressedBits) {
        return kind == Kind.BITS_PER_WEIGHT
                ? (long) Math.floor(value * compressedWeights) + uncompressedBits
                : (long) Math.floor(32.0 * parameters / value);
    }

    /** Returns e.g. {@code 1 bit per weight} or {@code ρ ≥ 30}. */
    public String describe() {
        return kind == Kind.BITS_PER_WEIGHT
                ? String.format(Locale.ROOT, "%s bit%s per weight", trim(value), value == 1 ? "" : "s")
                : "ρ ≥ " + trim(value);
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
