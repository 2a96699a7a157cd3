package io.github.lc4j.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Options renamed so that one thing has one name across commands: the old spelling stays an alias
 * for one release and prints a one-line notice naming the new one.
 */
final class Renamed {
    /** Per command: old spelling → new one. */
    static final Map<String, Map<String, String>> OPTIONS = Map.of(
            "compress", Map.of("--reference", "--weights"),
            "quantize-weights", Map.of("--input", "--weights"),
            "experiment", Map.of("--config", "--grid", "--output", "--output-dir"));

    private Renamed() {}

    /** Whether {@code name} is an old spelling of one of {@code command}'s options. */
    static boolean isOld(String command, String name) {
        return OPTIONS.getOrDefault(command, Map.of()).containsKey(name);
    }

    /** The option's name a config file uses: its longest current name, without {@code --}. */
    static String key(OptionSpec option) {
        String command = option.command() == null ? "" : option.command().name();
        String best = null;
        for (String name : option.names()) {
            if (!isOld(command, name) && (best == null || name.length() > best.length())) {
                best = name;
            }
        }
        return (best == null ? option.longestName() : best).replaceFirst("^-+", "");
    }

    /** A config file's key as the current name: an old spelling's key becomes the new one's. */
    static String currentKey(String command, String key) {
        String renamed = OPTIONS.getOrDefault(command, Map.of()).get("--" + key);
        return renamed == null ? key : renamed.substring(2);
    }

    /** Prints a notice for each old spelling on the command line of {@code command}. */
    static void notice(CommandSpec command, PrintWriter err) {
        Map<String, String> renames = OPTIONS.getOrDefault(command.name(), Map.of());
        for (String argument : command.commandLine().getParseResult().originalArgs()) {
            String name = argument.contains("=") ? argument.substring(0, argument.indexOf('=')) : argument;
            if (renames.containsKey(name)) {
                err.println("lc4j: note: " + name + " is now " + renames.get(name) + "; the old spelling works for"
                        + " one more release");
            }
        }
    }
}
