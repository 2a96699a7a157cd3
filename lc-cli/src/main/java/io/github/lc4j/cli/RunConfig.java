package io.github.lc4j.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.github.lc4j.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A run described in a file ({@code --config run.yaml} or {@code .json}): one key per option of the
 * command, named as the option without {@code --}. The values become the options' defaults, so
 * the command line overrides the file. An unknown key is an error naming it and the valid keys.
 */
final class RunConfig implements CommandLine.IDefaultValueProvider {
    /** Options that make no sense in a file. */
    private static final Set<String> NOT_IN_FILES = Set.of("config", "help", "version", "verbose");

    private final Map<String, String> values;

    private RunConfig(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Reads {@code file} for {@code command} and checks every key against its options.
     *
     * @throws InvalidInputException naming the file and what is wrong: unreadable, not YAML/JSON, not
     *                               a mapping, an unknown key (listing the valid ones), a bad value
     */
    static RunConfig read(Path file, CommandSpec command) {
        Map<?, ?> raw;
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        ObjectMapper mapper = json ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
        try {
            Object parsed = mapper.readValue(Files.readAllBytes(file), Object.class);
            if (!(parsed instanceof Map<?, ?> map)) {
                throw new InvalidInputException("config file " + file + " must hold a mapping of option names to"
                        + " values, e.g. 'mu-steps: 10'");
            }
            raw = map;
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("config file " + file + " does not exist", e);
        } catch (JacksonException e) {
            throw new InvalidInputException(
                    "config file " + file + " is not valid " + (json ? "JSON" : "YAML") + ": " + e.getOriginalMessage(),
                    e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read config file " + file + ": " + e, e);
        }
        Set<String> valid = keys(command);
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : raw.entrySet()) {
            String key = Renamed.currentKey(command.name(), String.valueOf(entry.getKey()));
            if (!valid.contains(key)) {
                String closest = Suggestions.closest(key, valid);
                throw new InvalidInputException("config file " + file + ": unknown key '" + key + "' for 'lc4j "
                        + command.name() + "'" + (closest == null ? "" : " (did you mean '" + closest + "'?)")
                        + "; valid keys: " + String.join(", ", valid));
            }
            String text = text(file, key, entry.getValue());
            if (!text.isEmpty() || !(entry.getValue() instanceof Map || entry.getValue() instanceof List)) {
                values.put(key, text);
            }
        }
        return new RunConfig(values);
    }

    /** Returns the keys a file may hold for {@code command}: its options' names without {@code --}. */
    static Set<String> keys(CommandSpec command) {
        Set<String> keys = new TreeSet<>();
        for (OptionSpec option : command.options()) {
            String key = key(option);
            if (!NOT_IN_FILES.contains(key)) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static String key(OptionSpec option) {
        return Renamed.key(option);
    }

    /** A value as picocli parses it from the command line: lists and mappings joined with commas. */
    private static String text(Path file, String key, Object value) {
        if (value instanceof Map<?, ?> map) {
            List<String> pairs = new ArrayList<>();
            map.forEach((k, v) -> pairs.add(k + "=" + v));
            return String.join(",", pairs);
        }
        if (value instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        if (value == null) {
            throw new InvalidInputException("config file " + file + ": key '" + key + "' has no value");
        }
        // picocli interpolates ${...} in default values; a file's text is taken literally, as on the command line
        return String.valueOf(value).replace("$", "$$");
    }

    @Override
    public String defaultValue(ArgSpec argument) {
        return argument instanceof OptionSpec option ? values.get(key(option)) : null;
    }

    /** Returns every option of {@code command} with the value it ended with, for reports. */
    static Map<String, Object> resolved(CommandSpec command) {
        Map<String, Object> settings = new LinkedHashMap<>();
        for (OptionSpec option : command.options()) {
            String key = key(option);
            if (!NOT_IN_FILES.contains(key)) {
                Object value = option.getValue();
                settings.put(
                        key,
                        value == null
                                        || value instanceof Map<?, ?>
                                        || value instanceof Number
                                        || value instanceof Boolean
                                ? value
                                : String.valueOf(value));
            }
        }
        return settings;
    }
}
