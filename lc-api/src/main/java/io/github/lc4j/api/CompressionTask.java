package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * One compression group: the weights that share one codebook. A per-layer setup has one task per
 * weight parameter; a shared codebook is one task listing several parameters (their values are
 * concatenated in the listed order); a per-channel setup has one task per output channel of each
 * weight parameter ({@link ParameterSpec#channelPositions}).
 *
 * @param name       a display name, unique within a run
 * @param parameters the parameter names, at least one, no repeats; exactly one for a channel task
 * @param codebook   the codebook they share
 * @param channel    the output channel of the one parameter this task compresses, or
 *                   {@link #WHOLE_PARAMETERS} for whole parameters
 */
public record CompressionTask(String name, List<String> parameters, Codebook codebook, int channel) {
    /** The {@code channel} of a task that compresses whole parameters. */
    public static final int WHOLE_PARAMETERS = -1;

    /** A task over whole parameters. */
    public CompressionTask(String name, List<String> parameters, Codebook codebook) {
        this(name, parameters, codebook, WHOLE_PARAMETERS);
    }

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
        checkArgument(channel >= WHOLE_PARAMETERS, "compression task %s: channel must be >= 0, got %d", name, channel);
        checkArgument(
                channel == WHOLE_PARAMETERS || parameters.size() == 1,
                "compression task %s compresses channel %d of several parameters %s; a channel task names one",
                name,
                channel,
                parameters);
    }

    /** Returns whether this task compresses one output channel of its parameter. */
    public boolean isChannel() {
        return channel != WHOLE_PARAMETERS;
    }

    /** Returns the number of weights this task compresses in {@code model}. */
    public int size(ModelSpec model) {
        return isChannel()
                ? model.parameter(parameters.get(0)).channelSize()
                : parameters.stream()
                        .mapToInt(parameter -> model.parameter(parameter).size())
                        .sum();
    }

    /**
     * Returns one task per output channel of every weight parameter of {@code model}, each with its
     * own copy of {@code codebook}: K values per channel, named {@code layer[channel]}.
     */
    public static List<CompressionTask> perChannel(ModelSpec model, Codebook codebook) {
        List<CompressionTask> tasks = new ArrayList<>();
        for (ParameterSpec parameter : model.parameters()) {
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                for (int channel = 0; channel < parameter.outputChannels(); channel++) {
                    tasks.add(new CompressionTask(
                            parameter.layer() + "[" + channel + "]", List.of(parameter.name()), codebook, channel));
                }
            }
        }
        return tasks;
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
        HashSet<String> channelsSeen = new HashSet<>();
        HashSet<String> taskNames = new HashSet<>();
        for (CompressionTask task : tasks) {
            if (!taskNames.add(task.name())) {
                throw new InvalidInputException("two compression tasks are called " + task.name());
            }
            for (String parameter : task.parameters()) {
                ParameterSpec spec = model.parameter(parameter);
                if (task.isChannel()) {
                    if (task.channel() >= spec.outputChannels()) {
                        throw new InvalidInputException("compression task " + task.name() + " names channel "
                                + task.channel() + " of " + parameter + ", which has " + spec.outputChannels());
                    }
                    if (seen.contains(parameter) || !channelsSeen.add(parameter + "[" + task.channel() + "]")) {
                        throw new InvalidInputException("channel " + task.channel() + " of parameter " + parameter
                                + " is in more than one compression task");
                    }
                } else if (!seen.add(parameter) || channelsSeen.stream().anyMatch(c -> c.startsWith(parameter + "["))) {
                    throw new InvalidInputException("parameter " + parameter + " is in more than one compression task");
                }
            }
        }
        for (ParameterSpec parameter : model.parameters()) {
            long channels = channelsSeen.stream()
                    .filter(c -> c.startsWith(parameter.name() + "["))
                    .count();
            if (channels > 0 && channels < parameter.outputChannels()) {
                throw new InvalidInputException("channel tasks of parameter " + parameter.name() + " cover " + channels
                        + " of its " + parameter.outputChannels() + " output channels; cover all of them (see"
                        + " CompressionTask.perChannel) or compress the whole parameter");
            }
        }
    }

    /** Returns this task with {@code other} as its codebook (e.g. the candidate a choice settled on). */
    public CompressionTask withCodebook(Codebook other) {
        return new CompressionTask(name, parameters, other, channel);
    }
}
