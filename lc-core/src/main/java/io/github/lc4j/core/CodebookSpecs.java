package io.github.lc4j.core;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 *   auto                the C step chooses K in {2, 4, 8, 16} under a bit budget
 *   auto:K1,K2,…        the C step chooses among adaptive codebooks of these sizes
 *   auto:S1|S2|…        the C step chooses among these codebooks, e.g. auto:scaled-binary|scaled-ternary
 * </pre>
 * and, for one layer ({@link #withLayers}), {@code float}: the layer stays in float32.
 */
public final class CodebookSpecs {
    /** One line per form, for help texts. */
    public static final String GRAMMAR =
            "adaptive[:K[:exact|lloyd]] | binary | ternary | scaled-binary | scaled-ternary | pow2:C"
                    + " | scaled-pow2:C | fixed:V1,V2,... | scaled:V1,V2,... | partial:P1,P2+L"
                    + " | auto[:K1,K2,...|:SPEC1|SPEC2|...]";

    /** What {@link #withLayers} takes for a layer that stays in float32. */
    public static final String FLOAT = "float";

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
                case "auto" -> choice(argument, spec);
                default -> throw bad(spec, "unknown codebook type '" + name + "'");
            };
            if (size != null
                    && !(codebook instanceof Codebook.Adaptive)
                    && !(codebook instanceof Codebook.Choice)
                    && codebook.size() != size) {
                throw bad(spec, "--k " + size + " contradicts the codebook's " + codebook.size() + " values");
            }
            return codebook;
        } catch (IllegalArgumentException e) {
            throw bad(spec, e.getMessage());
        }
    }

    private static Codebook.Choice choice(String argument, String spec) {
        if (argument == null) {
            return Codebook.adaptiveChoice(Codebook.Choice.DEFAULT_SIZES);
        }
        if (argument.matches("[0-9 ,]+")) {
            String[] parts = argument.split(",");
            int[] sizes = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                sizes[i] = parseInt(parts[i], spec);
            }
            return Codebook.adaptiveChoice(sizes);
        }
        List<Codebook> candidates = new ArrayList<>();
        for (String candidate : argument.split("\\|")) {
            if (candidate.strip().startsWith("auto")) {
                throw bad(spec, "a candidate cannot be another 'auto'");
            }
            try {
                candidates.add(parse(candidate.strip(), null));
            } catch (InvalidInputException e) {
                throw bad(spec, "candidate '" + candidate.strip() + "' is not a codebook");
            }
        }
        return new Codebook.Choice(candidates);
    }

    /**
     * Returns {@code tasks} with some layers' codebooks overridden: {@code layers} maps a layer
     * name (one with a weight parameter) to a codebook spec, or to {@value #FLOAT} to keep the
     * layer uncompressed. An overridden layer leaves the tasks it was in (a shared task keeps its
     * other layers) and gets its own: one per output channel if it was compressed per channel,
     * else one for the layer.
     *
     * @param size K for a bare {@code adaptive}, or null
     * @throws InvalidInputException for an unknown layer (listing the layers) or a bad spec, or
     *                               when no layer is left to compress
     */
    public static List<CompressionTask> withLayers(
            ModelSpec model, List<CompressionTask> tasks, Map<String, String> layers, Integer size) {
        if (layers == null || layers.isEmpty()) {
            return tasks;
        }
        Map<String, List<String>> weightsByLayer = new LinkedHashMap<>();
        for (ParameterSpec parameter : model.parameters()) {
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                weightsByLayer
                        .computeIfAbsent(parameter.layer(), layer -> new ArrayList<>())
                        .add(parameter.name());
            }
        }
        Map<String, Codebook> overrides = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : layers.entrySet()) {
            String layer = entry.getKey() == null ? "" : entry.getKey().strip();
            if (!weightsByLayer.containsKey(layer)) {
                throw new InvalidInputException("--layer names '" + layer + "', which is not a layer with weights of "
                        + model.name() + "; its layers are " + String.join(", ", weightsByLayer.keySet()));
            }
            String spec = entry.getValue() == null ? "" : entry.getValue().strip();
            overrides.put(layer, spec.equals(FLOAT) ? null : parseForLayer(layer, spec, size));
        }
        Map<String, String> layerOf = new HashMap<>();
        weightsByLayer.forEach((layer, names) -> names.forEach(name -> layerOf.put(name, layer)));
        List<CompressionTask> result = new ArrayList<>();
        Set<String> perChannel = new HashSet<>();
        for (CompressionTask task : tasks) {
            List<String> kept = task.parameters().stream()
                    .filter(name -> !overrides.containsKey(layerOf.get(name)))
                    .toList();
            if (task.isChannel() && kept.isEmpty()) {
                perChannel.add(layerOf.get(task.parameters().get(0)));
            }
            if (kept.size() == task.parameters().size()) {
                result.add(task);
            } else if (!kept.isEmpty()) {
                result.add(new CompressionTask(task.name(), kept, task.codebook(), task.channel()));
            }
        }
        overrides.forEach((layer, codebook) -> {
            if (codebook == null) {
                return;
            }
            for (String name : weightsByLayer.get(layer)) {
                ParameterSpec parameter = model.parameter(name);
                if (perChannel.contains(layer)) {
                    for (int channel = 0; channel < parameter.outputChannels(); channel++) {
                        result.add(new CompressionTask(layer + "[" + channel + "]", List.of(name), codebook, channel));
                    }
                } else {
                    result.add(new CompressionTask(layer, List.of(name), codebook));
                }
            }
        });
        if (result.isEmpty()) {
            throw new InvalidInputException(
                    "--layer leaves no layer to compress: every layer of " + model.name() + " is float");
        }
        return result;
    }

    private static Codebook parseForLayer(String layer, String spec, Integer size) {
        try {
            return parse(spec, spec.equals("adaptive") ? size : null);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(
                    "--layer " + layer + "=" + spec + ": " + e.getMessage() + ", or '" + FLOAT + "'");
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
