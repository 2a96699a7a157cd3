package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What values the weights of one compression group may take. Four families:
 * <ul>
 *   <li>{@link Adaptive}: K values, all learned (k-means);</li>
 *   <li>{@link Choice}: one of several codebooks, chosen by the C step under a bit budget;</li>
 *   <li>{@link Fixed}: a given list of values, nothing learned;</li>
 *   <li>{@link ScaledFixed}: a given list times one learned scale a &gt; 0;</li>
 *   <li>{@link PartiallyFixed}: some pinned values (e.g. an exact 0) plus learned ones.</li>
 * </ul>
 * Value lists are sorted, distinct and finite; arrays are copied in and out.
 */
public sealed interface Codebook {

    /**
     * Returns what {@code visitor} returns for this codebook family; solvers dispatch through it,
     * so a new family is a compile error until every solver factory handles it.
     */
    <R> R accept(Visitor<R> visitor);

    /**
     * One method per codebook family.
     *
     * @param <R> what the visit returns
     */
    interface Visitor<R> {
        /** Visits an adaptive codebook. */
        R adaptive(Adaptive codebook);

        /** Visits a fixed codebook. */
        R fixed(Fixed codebook);

        /** Visits a fixed codebook with a learned scale. */
        R scaledFixed(ScaledFixed codebook);

        /** Visits a partially fixed codebook. */
        R partiallyFixed(PartiallyFixed codebook);

        /** Visits a choice among codebooks, which the C step makes under a bit budget. */
        R choice(Choice codebook);
    }

    /** Returns K, the number of distinct values a weight may take. */
    int size();

    /** Returns how many 32-bit floats must be stored besides the assignments. */
    int storedFloats();

    /** Returns a short, parseable description, e.g. {@code adaptive:4} or {@code scaled:-1,0,1}. */
    String describe();

    /**
     * Returns the bits needed to store {@code count} weights: {@code count·⌈log2 K⌉} for the
     * assignments plus 32 bits per stored float.
     */
    default long storageBits(long count) {
        return count * bitsPerWeight() + 32L * storedFloats();
    }

    /** Returns ⌈log2 K⌉ (0 when K = 1). */
    default int bitsPerWeight() {
        return size() <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(size() - 1);
    }

    /**
     * K learned values. {@code method} chooses the k-means solver: {@code EXACT} is the globally
     * optimal 1-D dynamic program, {@code LLOYD} is k-means++ seeding (or the previous codebook)
     * followed by Lloyd iterations, {@code AUTO} takes the exact optimum at every C step and falls
     * back to Lloyd only where that would be slow (a very long vector whose optimal distortion is not
     * convex in K).
     */
    record Adaptive(int size, Method method) implements Codebook {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.adaptive(this);
        }

        /** How the K values are found. */
        public enum Method {
            /** Exact at every C step; warm-started Lloyd only where the exact solver would be slow. */
            AUTO,
            /** Always the globally optimal dynamic program. */
            EXACT,
            /** Always k-means++ (or the previous codebook) then Lloyd. */
            LLOYD
        }

        /** Checks K &gt;= 1. */
        public Adaptive {
            checkArgument(size >= 1, "adaptive codebook size K must be >= 1, got %d", size);
            requireNonNull(method, "method is null");
        }

        /** Returns an adaptive codebook with the {@code AUTO} method. */
        public Adaptive(int size) {
            this(size, Method.AUTO);
        }

        @Override
        public int storedFloats() {
            return size;
        }

        @Override
        public String describe() {
            return "adaptive:" + size
                    + (method == Method.AUTO ? "" : ":" + method.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Fixed values; nothing is learned or stored. */
    record Fixed(float[] values) implements Codebook {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.fixed(this);
        }

        /** Checks and copies the values. */
        public Fixed {
            values = checkValues(values, "fixed codebook");
        }

        @Override
        public float[] values() {
            return values.clone();
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public int storedFloats() {
            return 0;
        }

        @Override
        public String describe() {
            return "fixed:" + join(values);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Fixed that && Arrays.equals(values, that.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** Fixed values times one learned scale a &gt; 0; one float (a) is stored. */
    record ScaledFixed(float[] values) implements Codebook {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.scaledFixed(this);
        }

        /** Checks and copies the values; at least one must be non-zero. */
        public ScaledFixed {
            values = checkValues(values, "scaled codebook");
            checkArgument(
                    Arrays.stream(toDoubles(values)).anyMatch(v -> v != 0),
                    "scaled codebook needs a non-zero value, got %s",
                    Arrays.toString(values));
        }

        @Override
        public float[] values() {
            return values.clone();
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public int storedFloats() {
            return 1;
        }

        @Override
        public String describe() {
            return "scaled:" + join(values);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ScaledFixed that && Arrays.equals(values, that.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** Pinned values plus {@code learned} adaptive ones; the learned ones are stored. */
    record PartiallyFixed(float[] pinned, int learned) implements Codebook {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.partiallyFixed(this);
        }

        /** Checks and copies the pinned values; at least one value must be learned. */
        public PartiallyFixed {
            pinned = checkValues(pinned, "pinned codebook values");
            checkArgument(learned >= 1, "a partially fixed codebook needs >= 1 learned value, got %d", learned);
        }

        @Override
        public float[] pinned() {
            return pinned.clone();
        }

        @Override
        public int size() {
            return pinned.length + learned;
        }

        @Override
        public int storedFloats() {
            return learned;
        }

        @Override
        public String describe() {
            return "partial:" + join(pinned) + "+" + learned;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof PartiallyFixed that
                    && learned == that.learned
                    && Arrays.equals(pinned, that.pinned);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(pinned) * 31 + learned;
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /**
     * One of several candidate codebooks, chosen at every C step together with its values: the
     * feasible set is the union of the candidates', and the C step minimizes the distortion plus a
     * price per stored bit, the price set so that the run's bit budget holds
     * (docs/lc-algorithm.md, "Choosing K per layer"). {@link #size()}, {@link #storedFloats()} and
     * so the storage bits are the largest candidate's: an upper bound until the choice is made.
     *
     * @param candidates at least one codebook, none a choice itself, no two alike
     */
    record Choice(List<Codebook> candidates) implements Codebook {
        /**
         * The candidates of a bare {@code auto}: 1 to 4 bits per weight. K = 1 is left out: the
         * distortion cannot tell that a layer whose weights all take one value is dead (an output
         * layer at K = 1 predicts one class), and on LeNet300 it chose exactly that for the output
         * layer at 1 bit per weight (docs/lc-algorithm.md). {@code auto:1,2,4,8,16} allows it.
         */
        public static final int[] DEFAULT_SIZES = {2, 4, 8, 16};

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.choice(this);
        }

        /** Checks and copies the candidates. */
        public Choice {
            requireNonNull(candidates, "candidates is null");
            candidates = List.copyOf(candidates);
            checkArgument(!candidates.isEmpty(), "a codebook choice needs at least one candidate");
            checkArgument(
                    candidates.stream().noneMatch(c -> c instanceof Choice),
                    "a codebook choice cannot contain another choice, got %s",
                    candidates);
            checkArgument(
                    candidates.stream().distinct().count() == candidates.size(),
                    "a codebook choice lists a candidate twice: %s",
                    candidates);
        }

        @Override
        public int size() {
            return candidates.stream().mapToInt(Codebook::size).max().orElseThrow();
        }

        @Override
        public int storedFloats() {
            return candidates.stream().mapToInt(Codebook::storedFloats).max().orElseThrow();
        }

        @Override
        public long storageBits(long count) {
            return candidates.stream()
                    .mapToLong(c -> c.storageBits(count))
                    .max()
                    .orElseThrow();
        }

        @Override
        public int bitsPerWeight() {
            return candidates.stream().mapToInt(Codebook::bitsPerWeight).max().orElseThrow();
        }

        /**
         * Returns {@code auto:K1,K2,…} when every candidate is an adaptive codebook of the default
         * method, else {@code auto:} and the candidates' descriptions joined by {@code |}.
         */
        @Override
        public String describe() {
            if (candidates.stream().allMatch(c -> c instanceof Adaptive a && a.method() == Adaptive.Method.AUTO)) {
                return "auto:"
                        + candidates.stream()
                                .map(c -> Integer.toString(c.size()))
                                .collect(Collectors.joining(","));
            }
            return "auto:" + candidates.stream().map(Codebook::describe).collect(Collectors.joining("|"));
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** Returns the choice among adaptive codebooks of the given sizes (e.g. 1, 2, 4, 8, 16). */
    static Choice adaptiveChoice(int... sizes) {
        requireNonNull(sizes, "sizes is null");
        List<Codebook> candidates = new ArrayList<>();
        for (int size : sizes) {
            candidates.add(adaptive(size));
        }
        return new Choice(candidates);
    }

    /** Returns the choice among {@code candidates}. */
    static Choice choice(Codebook... candidates) {
        return new Choice(List.of(requireNonNull(candidates, "candidates is null")));
    }

    /** Returns an adaptive codebook with K learned values. */
    static Adaptive adaptive(int size) {
        return new Adaptive(size);
    }

    /** Returns an adaptive codebook with K learned values found by {@code method}. */
    static Adaptive adaptive(int size, Adaptive.Method method) {
        return new Adaptive(size, method);
    }

    /** Returns the fixed codebook of {@code values} (sorted for you). */
    static Fixed fixed(float... values) {
        return new Fixed(sorted(values));
    }

    /** Returns {-1, +1}. */
    static Fixed binary() {
        return fixed(-1, 1);
    }

    /** Returns {-1, 0, +1}. */
    static Fixed ternary() {
        return fixed(-1, 0, 1);
    }

    /** Returns {0, ±1, ±2^-1, …, ±2^-c}: 2c + 3 values. */
    static Fixed powersOfTwo(int c) {
        return fixed(powersOfTwoValues(c));
    }

    /** Returns {@code values} times a learned scale (sorted for you). */
    static ScaledFixed scaled(float... values) {
        return new ScaledFixed(sorted(values));
    }

    /** Returns {-a, +a}. */
    static ScaledFixed scaledBinary() {
        return scaled(-1, 1);
    }

    /** Returns {-a, 0, +a}. */
    static ScaledFixed scaledTernary() {
        return scaled(-1, 0, 1);
    }

    /** Returns a·{0, ±1, ±2^-1, …, ±2^-c}. */
    static ScaledFixed scaledPowersOfTwo(int c) {
        return scaled(powersOfTwoValues(c));
    }

    /** Returns a codebook with {@code pinned} values plus {@code learned} adaptive ones. */
    static PartiallyFixed partiallyFixed(int learned, float... pinned) {
        return new PartiallyFixed(sorted(pinned), learned);
    }

    private static float[] powersOfTwoValues(int c) {
        checkArgument(c >= 0 && c <= 30, "powers-of-two exponent count C must be in [0, 30], got %d", c);
        float[] values = new float[2 * c + 3];
        int next = 0;
        values[next++] = 0;
        for (int exponent = 0; exponent <= c; exponent++) {
            float power = (float) Math.scalb(1.0, -exponent);
            values[next++] = power;
            values[next++] = -power;
        }
        return values;
    }

    private static float[] sorted(float[] values) {
        float[] copy = requireNonNull(values, "values is null").clone();
        for (int i = 0; i < copy.length; i++) {
            copy[i] += 0.0f; // turns -0.0 into +0.0 so that 0 and -0 are one value
        }
        Arrays.sort(copy);
        return copy;
    }

    private static float[] checkValues(float[] values, String what) {
        requireNonNull(values, what + " is null");
        checkArgument(values.length >= 1, "%s needs at least one value", what);
        float[] copy = values.clone();
        for (int i = 0; i < copy.length; i++) {
            checkArgument(Float.isFinite(copy[i]), "%s has a non-finite value %s", what, copy[i]);
            checkArgument(
                    i == 0 || copy[i - 1] < copy[i],
                    "%s must be sorted and distinct, got %s",
                    what,
                    Arrays.toString(copy));
        }
        return copy;
    }

    private static double[] toDoubles(float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return doubles;
    }

    private static String join(float[] values) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                text.append(',');
            }
            float value = values[i];
            text.append(
                    value == Math.rint(value) && Math.abs(value) < 1e7
                            ? String.valueOf((long) value)
                            : String.valueOf(value));
        }
        return text.toString();
    }
}
