package io.github.lc4j.core;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import java.util.List;

/**
 * Parses the codebook grammar shared by the command line and configuration files:
 * <pre>
 *   adaptive            K learned values, K given separately (--k)
 *   adaptive:K          K learned values (the exact optimum; Lloyd only where that would be slow)
 *   adaptive:K:exact    K learned values, always the exact optimum
 *   adaptive:K:lloyd    K learned values, always k-means++/previous codebook then Lloyd
 *   binary | ternary    {-1,+1} | {-1,0,+1}
 *   scaled-binary       {-a,+a}
 *   scaled-ternary      {-a,0,+a}
 *   pow2:C              {0, ±1, ±2^-1, …, ±2^-C}
 *   scaled-pow2:C       a·{0, ±1, ±2^-1, …, ±2^-C}
 *   fixed:V1,V2,…       the given values
 *   scaled:V1,V2,…      the given values times a learned scale
 *   partial:P1,P2+L     the pinned values P plus L learned values, e.g. partial:0+2
 * </pre>
 */
public final class CodebookSpecs {
    /** One line per form, for help texts. */
    public static final String GRAMMAR =
            "adaptive[:K[:exact|lloyd]] | binary | ternary | scaled-binary | scaled-ternary | pow2:C"
                    + " | scaled-pow2:C | fixed:V1,V2,... | scaled:V1,V2,... | partial:P1,P2+L";

    private CodebookSpecs() {}

    /** The granularities {@link #tasks} knows: one codebook per weight parameter, one for all, one per output channel. */
    public static final List<String> GRANULARITIES = List.of("layer", "shared", "channel");

    /**
     * Returns the compression tasks of {@code codebook} at {@code granularity}: {@code layer} (one
     * codebook per weight parameter), {@code shared} (one for all of them) or {@code channel}
     * (one per output channel of every weight parameter).
     *
     * @throws InvalidInputException for another granularity
     */
    public static List<CompressionTask> tasks(ModelSpec model, Codebook codebook, String granularity) {
        return switch (granularity == null ? "" : granularity.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "layer" -> CompressionTask.perLayer(model, codebook);
            case "shared" -> List.of(CompressionTask.sharedByAllLayers(model, codebook));
            case "channel" -> CompressionTask.perChannel(model, codebook);
            default ->
                throw new InvalidInputException(
                        "granularity must be one of " + GRANULARITIES + ", got '" + granularity + "'");
        };
    }

    /**
     * Parses {@code spec}.
     *
     * @param size K for a bare {@code adaptive}, or null when none was given
     * @throws InvalidInputException naming the spec and the grammar
     */
    public static Codebook parse(String spec, Integer size) {
        String text = spec == null ? "" : spec.trim();
        String name = text.contains(":") ? text.substring(0, text.indexOf(':')) : text;
        String argument = text.contains(":") ? text.substring(text.indexOf(':') + 1) : null;
        try {
            Codebook codebook = switch (name) {
                case "adaptive" -> {
                    if (argument == null) {
                        if (size == null) {
                            throw bad(spec, "an adaptive codebook needs its size: adaptive:K or --k K");
                        }
                        yield Codebook.adaptive(size);
                    }
                    String[] parts = argument.split(":", -1);
                    if (parts.length > 2) {
                        throw bad(spec, "expected adaptive:K or adaptive:K:exact|lloyd");
                    }
                    int parsed = parseInt(parts[0], spec);
                    if (size != null && size != parsed) {
                        throw bad(spec, "it says K=" + parsed + " but --k says " + size);
                    }
                    Codebook.Adaptive.Method method = Codebook.Adaptive.Method.AUTO;
                    if (parts.length == 2) {
                        method = switch (parts[1]) {
                            case "exact" -> Codebook.Adaptive.Method.EXACT;
                            case "lloyd" -> Codebook.Adaptive.Method.LLOYD;
                            default -> throw bad(spec, "the method after K must be 'exact' or 'lloyd'");
                        };
                    }
                    yield Codebook.adaptive(parsed, method);
                }
                case "binary" -> noArgument(Codebook.binary(), argument, spec);
                case "ternary" -> noArgument(Codebook.ternary(), argument, spec);
                case "scaled-binary" -> noArgument(Codebook.scaledBinary(), argument, spec);
                case "scaled-ternary" -> noArgument(Codebook.scaledTernary(), argument, spec);
                case "pow2" -> Codebook.powersOfTwo(parseInt(required(argument, spec), spec));
                case "scaled-pow2" -> Codebook.scaledPowersOfTwo(parseInt(required(argument, spec), spec));
                case "fixed" -> Codebook.fixed(parseFloats(required(argument, spec), spec));
                case "scaled" -> Codebook.scaled(parseFloats(required(argument, spec), spec));
                case "partial" -> {
                    String body = required(argument, spec);
                    int plus = body.lastIndexOf('+');
                    if (plus <= 0) {
                        throw bad(spec, "a partially fixed codebook is written partial:P1,P2+L, e.g. partial:0+2");
                    }
                    yield Codebook.partiallyFixed(
                            parseInt(body.substring(plus + 1), spec), parseFloats(body.substring(0, plus), spec));
                }
                default -> throw bad(spec, "unknown codebook type '" + name + "'");
            };
            if (size != null && !(codebook instanceof Codebook.Adaptive) && codebook.size() != size) {
                throw bad(spec, "--k " + size + " contradicts the codebook's " + codebook.size() + " values");
            }
            return codebook;
        } catch (IllegalArgumentException e) {
            throw bad(spec, e.getMessage());
        }
    }

    private static Codebook noArgument(Codebook codebook, String argument, String spec) {
        if (argument != null) {
            throw bad(spec, "this codebook takes no ':' argument");
        }
        return codebook;
    }

    private static String required(String argument, String spec) {
        if (argument == null || argument.isBlank()) {
            throw bad(spec, "this codebook needs an argument after ':'");
        }
        return argument;
    }

    private static int parseInt(String text, String spec) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw bad(spec, "'" + text + "' is not an integer");
        }
    }

    private static float[] parseFloats(String text, String spec) {
        String[] parts = text.split(",");
        float[] values = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                values[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw bad(spec, "'" + parts[i] + "' is not a number");
            }
        }
        return values;
    }

    private static InvalidInputException bad(String spec, String why) {
        return new InvalidInputException("bad codebook '" + spec + "': " + why + "; expected " + GRAMMAR);
    }
}
