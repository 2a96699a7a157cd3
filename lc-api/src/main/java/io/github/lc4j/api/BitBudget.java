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
 * @param kind         what {@code value} measures
 * @param value        bits per compressed weight (in (0, 32]) or ρ (≥ 1)
 * @param reservedBits bits of the budget the net's container takes beyond what ρ counts (a compact
 *                     ONNX file's graph and unpacking operators), so that the file, not only the
 *                     counted parameters, fits; 0 for none
 */
public record BitBudget(Kind kind, double value, long reservedBits) {

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
        checkArgument(reservedBits >= 0, "a budget's reserved bits must be >= 0, got %s", reservedBits);
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

    /** A budget with nothing reserved. */
    public BitBudget(Kind kind, double value) {
        this(kind, value, 0);
    }

    /** Returns a budget of {@code bits} per compressed weight on average, codebooks included. */
    public static BitBudget bitsPerWeight(double bits) {
        return new BitBudget(Kind.BITS_PER_WEIGHT, bits);
    }

    /** Returns a budget of compression ratio at least {@code rho} for the whole net. */
    public static BitBudget compressionRatio(double rho) {
        return new BitBudget(Kind.COMPRESSION_RATIO, rho);
    }

    /** Returns this budget with {@code bytes} of it kept for the file that holds the net. */
    public BitBudget reservingBytes(long bytes) {
        checkArgument(bytes >= 0, "reserved bytes must be >= 0, got %s", bytes);
        return new BitBudget(kind, value, 8 * bytes);
    }

    /**
     * Returns the bits the compressed net may take in all.
     *
     * @param parameters        the net's parameter count
     * @param compressedWeights how many of them the tasks compress
     * @param uncompressedBits  32 bits per parameter no task compresses
     */
    public long totalBits(long parameters, long compressedWeights, long uncompressedBits) {
        long total = kind == Kind.BITS_PER_WEIGHT
                ? (long) Math.floor(value * compressedWeights) + uncompressedBits
                : (long) Math.floor(32.0 * parameters / value);
        return total - reservedBits;
    }

    /**
     * Returns e.g. {@code 1 bit per weight}, {@code ρ ≥ 30}, or {@code ρ ≥ 30 (3,712 bytes of it for
     * the file's graph)}.
     */
    public String describe() {
        String budget = kind == Kind.BITS_PER_WEIGHT
                ? String.format(Locale.ROOT, "%s bit%s per weight", trim(value), value == 1 ? "" : "s")
                : "ρ ≥ " + trim(value);
        return reservedBits == 0
                ? budget
                : String.format(Locale.ROOT, "%s (%,d bytes of it for the file's graph)", budget, reservedBits / 8);
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
