package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * One compression group: the parameters whose weights share one codebook. A per-layer setup
 * has one task per weight; a shared codebook is one task listing several parameters (their
 * values are concatenated in the listed order).
 *
 * @param name       a display name, unique within a run
 * @param parameters the parameter names, at least one, no repeats
 * @param codebook   the codebook they share
 */
public record CompressionTask(String name, List<String> parameters, Codebook codebook) {

    /** Checks and copies. */
    public CompressionTask {
        requireNonNull(name, "name is null");
        requireNonNull(codebook, "codebook is null");
        parameters = List.copyOf(requireNonNull(parameters, "parameters is null"));
        checkArgument(!parameters.isEmpty(), "compression task %s names no parameter", name);
        checkArgument(
                new HashSet<>(parameters).size() == parameters.size(),
                "compression task %s repeats a parameter: %s",
                name,
                parameters);
    }

    /** Returns one task per weight parameter of {@code model}, each with its own {@code codebook}. */
    public static List<CompressionTask> perLayer(ModelSpec model, Codebook codebook) {
        List<CompressionTask> tasks = new ArrayList<>();
        for (ParameterSpec parameter : model.parameters()) {
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                tasks.add(new CompressionTask(parameter.layer(), List.of(parameter.name()), codebook));
            }
        }
        return tasks;
    }

    /** Returns one task in which every weight parameter of {@code model} shares one {@code codebook}. */
    public static CompressionTask sharedByAllLayers(ModelSpec model, Codebook codebook) {
        List<String> names = model.parameters().stream()
                .filter(p -> p.role() == ParameterSpec.Role.WEIGHT)
                .map(ParameterSpec::name)
                .toList();
        return new CompressionTask("shared", names, codebook);
    }

    /**
     * Checks that {@code tasks} name existing parameters of {@code model}, each at most once.
     *
     * @throws InvalidInputException naming the unknown or repeated parameter
     */
    public static void checkAgainst(ModelSpec model, List<CompressionTask> tasks) {
        HashSet<String> seen = new HashSet<>();
        HashSet<String> taskNames = new HashSet<>();
        for (CompressionTask task : tasks) {
            if (!taskNames.add(task.name())) {
                throw new InvalidInputException("two compression tasks are called " + task.name());
            }
            for (String parameter : task.parameters()) {
                model.parameter(parameter);
                if (!seen.add(parameter)) {
                    throw new InvalidInputException("parameter " + parameter + " is in more than one compression task");
                }
            }
        }
    }
}
