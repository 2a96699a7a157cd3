package io.github.lc4j.experiments;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.core.CodebookSpecs;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

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
     * @param codebooks codebook specs as {@code lc4j compress --codebook} takes them, each with an
     *                  optional granularity after {@code @}: {@code adaptive:2},
     *                  {@code adaptive:2@shared}, {@code adaptive:2@channel}
     */
    public record Model(String name, Training reference, Schedule schedule, List<String> codebooks) {
        /** Checks the model name and every codebook spec. */
        public Model {
            ModelZoo.byName(required(name, "models[].name"));
            required(reference, "models[].reference");
            codebooks = List.copyOf(required(codebooks, "models[].codebooks"));
            for (String codebook : codebooks) {
                CodebookSpecs.parse(specOf(codebook), null);
                String granularity = granularityOf(codebook);
                if (!CodebookSpecs.GRANULARITIES.contains(granularity)) {
                    throw new IllegalArgumentException(
                            "codebook '" + codebook + "': granularity must be one of " + CodebookSpecs.GRANULARITIES);
                }
            }
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

    /** Returns the codebook spec of a grid entry, without its granularity. */
    static String specOf(String entry) {
        int at = entry.indexOf('@');
        return at < 0 ? entry.strip() : entry.substring(0, at).strip();
    }

    /** Returns the granularity of a grid entry: what follows {@code @}, else {@code layer}. */
    static String granularityOf(String entry) {
        int at = entry.indexOf('@');
        return at < 0 ? "layer" : entry.substring(at + 1).strip().toLowerCase(Locale.ROOT);
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
