package io.github.lc4j.experiments;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.github.lc4j.api.BitBudget;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.core.CodebookSpecs;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An experiment grid, read from YAML or JSON: every model with its reference training and its
 * codebooks, crossed with every method, seed and training budget, on one data set and backend, with
 * one LC schedule. Keys are kebab-case; an unknown key is an error naming it and the valid ones.
 *
 * <p>Every compression method trains on the same schedule, so the comparison is on equal terms: iDC
 * and STE take as many iterations and epochs as LC. A budget multiplies the epochs of every L step
 * (and of every iDC and STE iteration) alike; the μ schedule, the learning rates and the number of
 * iterations stay as the schedule says. The schedule's {@code tolerance} is 0 unless given, so a
 * grid runs fixed budgets; with a tolerance LC and LC-qp may stop early, once converged.
 *
 * <p>A model's codebook entry is {@code SPEC[@GRANULARITY][;bits=B | ;rho=R]} ({@link CodebookEntry}).
 * A spec that chooses its codebooks, {@code auto} (K in {2, 4, 8, 16} per layer) or
 * {@code auto:…}, carries a size budget after {@code ;}: {@code auto;bits=1} lets each layer take
 * its own K as long as the compressed weights average at most 1 bit each, codebooks included;
 * {@code auto;rho=30.5} as long as the whole net's compression ratio stays at least 30.5. Such an
 * entry is the grid's automatic allocation, set against the uniform {@code adaptive:K} entries in
 * the report. Every method of the grid chooses under the entry's budget, DC included (its C step
 * on the reference). The training {@code budgets} below are another thing: epochs, not bits.
 *
 * @param name     a title for the report
 * @param data     {@code embedded}, {@code full} (Debian's {@code dataset-fashion-mnist}; an error
 *                 says how to install it when missing), {@code auto}, or a folder of idx files
 * @param backend  the backend's name, or null for the default
 * @param threads  the backend's threads, or null for all processors
 * @param seeds    the seeds; each seeds the reference, the minibatch order and k-means++
 * @param methods  method keys: {@code reference} (the float net), {@code dc}, {@code idc},
 *                 {@code ste}, {@code lc}, {@code qp}
 * @param schedule the LC schedule and SGD settings of every compression method
 * @param budgets  training budgets, integers &gt;= 1 (default {@code [1]}): budget b trains
 *                 {@code epochs-per-step} × b epochs per L step, for every method alike; each
 *                 compression cell runs once per budget (DC, which trains nothing, and the
 *                 reference run once)
 * @param models   the models and their codebooks
 */
public record GridSpec(
        String name,
        String data,
        String backend,
        Integer threads,
        List<Long> seeds,
        List<String> methods,
        Schedule schedule,
        List<Integer> budgets,
        List<Model> models) {

    /** Checks the grid as a whole. */
    public GridSpec {
        name = name == null ? "lc4j experiment" : name;
        data = data == null ? "embedded" : data;
        seeds = List.copyOf(required(seeds, "seeds"));
        methods = List.copyOf(required(methods, "methods"));
        required(schedule, "schedule");
        budgets = budgets == null ? List.of(1) : checkBudgets(budgets);
        models = List.copyOf(required(models, "models"));
        for (String method : methods) {
            if (!method.equals(REFERENCE)) {
                CompressionMethod.byKey(method);
            }
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
    }

    private static List<Integer> checkBudgets(List<Integer> budgets) {
        if (budgets.isEmpty()) {
            throw new IllegalArgumentException(
                    "budgets must list at least one budget (or be left out for [1]), got []");
        }
        for (Integer budget : budgets) {
            if (budget == null || budget < 1) {
                throw new IllegalArgumentException("budgets must be integers >= 1, got " + budget + " in " + budgets);
            }
        }
        // a repeated budget would name two cells alike
        if (new HashSet<>(budgets).size() < budgets.size()) {
            throw new IllegalArgumentException("budgets must not repeat a budget, got " + budgets);
        }
        return List.copyOf(budgets);
    }

    /** Returns the schedule of {@code model}: its own, else the grid's. */
    public Schedule scheduleOf(Model model) {
        return model.schedule() != null ? model.schedule() : schedule;
    }

    /** The method key of the uncompressed reference net. */
    public static final String REFERENCE = "reference";

    /**
     * One model of the grid.
     *
     * @param name      a model of the zoo: lenet300, lenet300-relu, lenet5
     * @param reference how its reference net is trained
     * @param schedule  this model's schedule, or null for the grid's
     * @param codebooks codebook entries, each {@code SPEC[@GRANULARITY][;bits=B | ;rho=R]} as
     *                  {@link CodebookEntry} reads it: {@code adaptive:2}, {@code adaptive:2@shared},
     *                  {@code adaptive:2@channel}, {@code auto;rho=30.5}, {@code auto:1,2,4@channel;bits=2}
     */
    public record Model(String name, Training reference, Schedule schedule, List<String> codebooks) {
        /** Checks the model name and every codebook entry; no two entries may name the same cells. */
        public Model {
            ModelZoo.byName(required(name, "models[].name"));
            required(reference, "models[].reference");
            codebooks = List.copyOf(required(codebooks, "models[].codebooks"));
            Map<String, String> entryByIdPart = new TreeMap<>();
            for (String codebook : codebooks) {
                CodebookEntry entry = CodebookEntry.parse(codebook);
                try {
                    // an unknown layer or a bad per-layer spec fails when the grid is read, not mid-run
                    ModelSpec zoo = ModelZoo.byName(name);
                    CodebookSpecs.withLayers(
                            zoo,
                            CodebookSpecs.tasks(zoo, CodebookSpecs.parse(entry.spec(), null), entry.granularity()),
                            entry.layers(),
                            null);
                } catch (InvalidInputException e) {
                    throw new IllegalArgumentException(
                            "codebook '" + codebook + "' of " + name + ": " + e.getMessage(), e);
                }
                String idPart = entry.idPart();
                String earlier = entryByIdPart.putIfAbsent(idPart, codebook);
                if (earlier != null) {
                    // bits=1 and bits=1.0, or adaptive:2 and adaptive:2@layer, would write the same cell files
                    throw new IllegalArgumentException("codebooks of " + name + ": '" + earlier + "' and '" + codebook
                            + "' are the same entry (" + idPart + "); list it once");
                }
            }
        }
    }

    /**
     * One codebook entry of a model, written {@code SPEC[@GRANULARITY][;bits=B | ;rho=R][;LAYER=SPEC]...}: a codebook
     * spec as {@code lc4j compress --codebook} takes it, its granularity ({@code layer} when left
     * out: one codebook per layer; {@code shared}; {@code channel}) and, for a spec that chooses its
     * codebooks ({@code auto}, {@code auto:K1,K2,…}, {@code auto:S1|S2|…}), the size budget the
     * choices must fit: {@code bits=B} bits per compressed weight on average, codebooks included,
     * or {@code rho=R} a compression ratio ρ &gt;= R of the whole net. A choosing spec needs a size
     * budget and only a choosing spec takes one. Then any number of per-layer overrides, as
     * {@code lc4j compress --layer} takes them: {@code fc3=float} keeps a layer in float32,
     * {@code fc1=adaptive:4} gives it its own codebook. Examples: {@code adaptive:4},
     * {@code auto;rho=30.5}, {@code auto;bits=1}, {@code auto:1,2,4,8@channel;bits=2},
     * {@code adaptive:2;fc3=float}.
     *
     * @param spec        the codebook spec, e.g. {@code adaptive:2} or {@code auto:1,2,4}
     * @param granularity {@code layer}, {@code shared} or {@code channel}
     * @param sizeBudget  the size budget of a choosing spec; null for any other spec
     * @param layers      per-layer overrides, layer name to codebook spec or {@code float}
     */
    public record CodebookEntry(String spec, String granularity, BitBudget sizeBudget, Map<String, String> layers) {
        private static final Pattern SIZE_BUDGET = Pattern.compile("(bits|rho)\\s*=\\s*(.*)");
        private static final Pattern DECIMAL = Pattern.compile("[0-9]+(\\.[0-9]*)?|\\.[0-9]+");

        /**
         * Checks the granularity, the spec, and that a size budget comes with a choosing spec and
         * only with one.
         */
        public CodebookEntry {
            layers = layers == null
                    ? Map.of()
                    : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(layers));
            required(spec, "models[].codebooks[]");
            required(granularity, "models[].codebooks[]");
            if (!CodebookSpecs.GRANULARITIES.contains(granularity)) {
                throw new IllegalArgumentException(
                        "granularity must be one of " + CodebookSpecs.GRANULARITIES + ", got '" + granularity + "'");
            }
            boolean chooses = CodebookSpecs.parse(spec, null) instanceof Codebook.Choice;
            if (chooses && sizeBudget == null) {
                throw new IllegalArgumentException("'" + spec + "' chooses its codebooks and needs a size budget:"
                        + " append ;bits=B (bits per compressed weight) or ;rho=R (compression ratio of the net),"
                        + " e.g. " + spec + ";rho=30");
            }
            if (!chooses && sizeBudget != null) {
                throw new IllegalArgumentException("a size budget (" + sizeBudget.describe() + ") needs a spec that"
                        + " chooses its codebooks (auto, auto:K1,K2,... or auto:S1|S2|...), but '" + spec
                        + "' has a fixed size");
            }
        }

        /** An entry without per-layer overrides. */
        public CodebookEntry(String spec, String granularity, BitBudget sizeBudget) {
            this(spec, granularity, sizeBudget, Map.of());
        }

        /**
         * Reads {@code SPEC[@GRANULARITY][;bits=B | ;rho=R][;LAYER=SPEC]...}.
         *
         * @throws IllegalArgumentException naming the entry and what is wrong with it
         */
        public static CodebookEntry parse(String entry) {
            String text = required(entry, "models[].codebooks[]").strip();
            try {
                int semicolon = text.indexOf(';');
                String head = semicolon < 0 ? text : text.substring(0, semicolon);
                int at = head.indexOf('@');
                String spec = (at < 0 ? head : head.substring(0, at)).strip();
                String granularity =
                        at < 0 ? "layer" : head.substring(at + 1).strip().toLowerCase(Locale.ROOT);
                BitBudget sizeBudget = null;
                Map<String, String> layers = new java.util.LinkedHashMap<>();
                if (semicolon >= 0) {
                    for (String part : text.substring(semicolon + 1).split(";")) {
                        String item = part.strip();
                        if (SIZE_BUDGET.matcher(item).matches() && sizeBudget == null && layers.isEmpty()) {
                            sizeBudget = sizeBudget(item);
                        } else if (item.matches("[^=\\s]+\\s*=\\s*\\S.*")
                                && !SIZE_BUDGET.matcher(item).matches()) {
                            int equals = item.indexOf('=');
                            String layer = item.substring(0, equals).strip();
                            if (layers.put(layer, item.substring(equals + 1).strip()) != null) {
                                throw new IllegalArgumentException("layer " + layer + " is given twice");
                            }
                        } else {
                            throw new IllegalArgumentException("after ';' come the size budget (bits=B or rho=R, first)"
                                    + " and per-layer codebooks (LAYER=SPEC or LAYER=float), got '" + item + "'");
                        }
                    }
                }
                return new CodebookEntry(spec, granularity, sizeBudget, layers);
            } catch (IllegalArgumentException | InvalidInputException e) {
                throw new IllegalArgumentException("codebook '" + text + "': " + e.getMessage(), e);
            }
        }

        private static BitBudget sizeBudget(String text) {
            Matcher matcher = SIZE_BUDGET.matcher(text);
            if (!matcher.matches()) {
                throw new IllegalArgumentException(
                        "after ';' comes the size budget, bits=B or rho=R (e.g. bits=1, rho=30.5), got '" + text + "'");
            }
            String number = matcher.group(2);
            // a plain decimal: Double.parseDouble would take NaN, Infinity, 1e3, 0x1p3 and 1d too
            if (!DECIMAL.matcher(number).matches()) {
                throw new IllegalArgumentException(
                        matcher.group(1) + " must be a decimal number such as 1 or 30.5, got '" + number + "'");
            }
            double value = Double.parseDouble(number);
            return matcher.group(1).equals("bits") ? BitBudget.bitsPerWeight(value) : BitBudget.compressionRatio(value);
        }

        /** Whether the C step chooses this entry's codebooks under {@link #sizeBudget}. */
        public boolean chooses() {
            return sizeBudget != null;
        }

        /** The size budget as the grid writes it, {@code bits=1} or {@code rho=30.5}; null when none. */
        public String sizeBudgetText() {
            if (sizeBudget == null) {
                return null;
            }
            return (sizeBudget.kind() == BitBudget.Kind.BITS_PER_WEIGHT ? "bits=" : "rho=")
                    + BigDecimal.valueOf(sizeBudget.value())
                            .stripTrailingZeros()
                            .toPlainString();
        }

        /**
         * The entry's part of a cell id, file-name safe: {@code spec@granularity}, then
         * {@code -bits<B>} or {@code -rho<R>} for a size budget (e.g. {@code auto@layer-rho30.5});
         * entries without a size budget keep the ids their cells had before size budgets.
         */
        String idPart() {
            String budget = sizeBudgetText();
            StringBuilder overrides = new StringBuilder();
            layers.forEach((layer, codebook) ->
                    overrides.append('+').append(layer).append('-').append(codebook));
            return (spec + "@" + granularity + (budget == null ? "" : "-" + budget.replace("=", "")) + overrides)
                    .replaceAll("[^A-Za-z0-9@.,_+-]", "-");
        }

        /** The entry as the grid writes it, granularity and size budget included: {@code auto@layer;bits=1}. */
        @Override
        public String toString() {
            StringBuilder overrides = new StringBuilder();
            layers.forEach((layer, codebook) ->
                    overrides.append(';').append(layer).append('=').append(codebook));
            return spec + "@" + granularity + (sizeBudget == null ? "" : ";" + sizeBudgetText()) + overrides;
        }
    }

    /**
     * Plain SGD training of a reference net.
     *
     * @param epochs   epochs
     * @param lr       initial learning rate
     * @param lrDecay  learning rate factor per epoch
     * @param batch    minibatch size
     * @param momentum Nesterov momentum
     */
    public record Training(int epochs, double lr, double lrDecay, int batch, double momentum) {
        /** Checks every value (a missing key reads as 0 and fails here, named). */
        public Training {
            check(epochs >= 1, "reference.epochs", epochs, ">= 1");
            check(lr > 0, "reference.lr", lr, "> 0");
            check(lrDecay > 0 && lrDecay <= 1, "reference.lr-decay", lrDecay, "in (0, 1]");
            check(batch >= 1, "reference.batch", batch, ">= 1");
            check(momentum >= 0 && momentum < 1, "reference.momentum", momentum, "in [0, 1)");
        }
    }

    /**
     * The LC schedule and the SGD of its L steps; iDC and STE train as many epochs.
     *
     * @param mu0           the first μ
     * @param muFactor      μ's factor per step
     * @param muSteps       the number of μ values (LC iterations)
     * @param epochsPerStep epochs per L step
     * @param lr            initial learning rate
     * @param lrDecay       learning rate factor per iteration
     * @param batch         minibatch size
     * @param momentum      Nesterov momentum
     * @param tolerance     LC's convergence tolerance in [0, 1): LC and LC-qp stop after the first
     *                      iteration with ‖w − Δ(Θ)‖ ≤ tolerance·‖w‖ and no assignment changed, the
     *                      μ schedule being the cap; 0 (the default when missing) runs every
     *                      iteration, so every method trains the same epochs
     */
    public record Schedule(
            double mu0,
            double muFactor,
            int muSteps,
            int epochsPerStep,
            double lr,
            double lrDecay,
            int batch,
            double momentum,
            double tolerance) {
        /** Checks every value (a missing key reads as 0, which fails here, named; for the tolerance 0 is valid). */
        public Schedule {
            check(mu0 > 0, "schedule.mu0", mu0, "> 0");
            check(muFactor >= 1, "schedule.mu-factor", muFactor, ">= 1");
            check(muSteps >= 1, "schedule.mu-steps", muSteps, ">= 1");
            check(epochsPerStep >= 1, "schedule.epochs-per-step", epochsPerStep, ">= 1");
            check(lr > 0, "schedule.lr", lr, "> 0");
            check(lrDecay > 0 && lrDecay <= 1, "schedule.lr-decay", lrDecay, "in (0, 1]");
            check(batch >= 1, "schedule.batch", batch, ">= 1");
            check(momentum >= 0 && momentum < 1, "schedule.momentum", momentum, "in [0, 1)");
            check(tolerance >= 0 && tolerance < 1, "schedule.tolerance", tolerance, "in [0, 1)");
        }
    }

    private static void check(boolean valid, String key, Object value, String rule) {
        if (!valid) {
            throw new IllegalArgumentException(
                    key + " must be " + rule + ", got " + value + " (missing keys read as 0)");
        }
    }

    private static <T> T required(T value, String key) {
        if (value == null) {
            throw new IllegalArgumentException("the grid needs '" + key + "'");
        }
        return value;
    }

    /**
     * Reads a grid from {@code file} ({@code .json}, else YAML).
     *
     * @throws InvalidInputException naming the file and the problem: not found, not YAML/JSON, an
     *                               unknown key (with the valid ones), a missing or bad value
     */
    public static GridSpec read(Path file) {
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        ObjectMapper mapper = (json ? JsonMapper.builder() : JsonMapper.builder(new YAMLFactory()))
                .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // budgets: 1.5 or mu-steps: 2.5 would otherwise be cut to an integer silently
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .build();
        try {
            JsonNode tree = mapper.readTree(Files.readAllBytes(file));
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                throw new InvalidInputException("grid file " + file + " is empty");
            }
            // Jackson reports unknown keys of records only after their constructor ran: check them first
            checkKeys(file, tree, GridSpec.class, "");
            return mapper.treeToValue(tree, GridSpec.class);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("grid file " + file + " does not exist", e);
        } catch (JacksonException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String message =
                    cause instanceof JacksonException jackson ? jackson.getOriginalMessage() : cause.getMessage();
            throw new InvalidInputException(
                    "grid file " + file + (e instanceof JsonMappingException mapping ? " at " + path(mapping) : "")
                            + ": " + message,
                    e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read grid file " + file + ": " + e, e);
        }
    }

    private static void checkKeys(Path file, JsonNode node, Class<?> type, String path) {
        if (!type.isRecord() || !node.isObject()) {
            return;
        }
        Map<String, RecordComponent> components = new TreeMap<>();
        for (RecordComponent component : type.getRecordComponents()) {
            components.put(KEBAB.translate(component.getName()), component);
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String where = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
            RecordComponent component = components.get(field.getKey());
            if (component == null) {
                throw new InvalidInputException("grid file " + file + ": unknown key '" + field.getKey() + "' at "
                        + (path.isEmpty() ? "the top level" : path) + "; valid keys there: " + components.keySet());
            }
            if (component.getGenericType() instanceof ParameterizedType list
                    && list.getActualTypeArguments()[0] instanceof Class<?> element) {
                for (int i = 0; i < field.getValue().size(); i++) {
                    checkKeys(file, field.getValue().get(i), element, where + "[" + i + "]");
                }
            } else {
                checkKeys(file, field.getValue(), component.getType(), where);
            }
        }
    }

    private static final PropertyNamingStrategies.KebabCaseStrategy KEBAB =
            new PropertyNamingStrategies.KebabCaseStrategy();

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "the top level" : path.toString();
    }
}
