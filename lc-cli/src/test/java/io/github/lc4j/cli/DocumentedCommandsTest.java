package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The README and {@code docs/*.md} show only commands and options the command line has, and every
 * command that reads {@code --config} has an example file with all its keys.
 *
 * <p>Checked: every {@code lc4j} invocation ({@code ./lc4j CMD}, {@code lc4j CMD},
 * {@code java -jar …/lc4j.jar CMD}, and the Spark driver's {@code SparkMain CMD}) in a shell code
 * block (fenced as {@code bash}, {@code sh}, {@code shell}, {@code console} or untagged; {@code text}
 * blocks hold program output and are skipped) or in an inline code span: the command must exist
 * and each option after it must be one of that command's. An inline code span that starts with
 * an option ({@code `--mu-steps 25`}) names options without a command: each must belong to some
 * command. A code span that starts with another program ({@code mvn}, {@code java -cp},
 * {@code spark-submit}) is that program's business and is skipped.
 */
class DocumentedCommandsTest {
    private static final Path ROOT = Path.of("..");

    /** Fence tags of blocks whose lines are shell commands. */
    private static final Set<String> SHELL_BLOCKS = Set.of("", "bash", "sh", "shell", "console");

    /**
     * Options of the java launcher the generated pages mention in prose ({@code PERFORMANCE.md}:
     * "no {@code --add-modules jdk.incubator.vector}"; the Spark page: "{@code --add-opens} flags").
     */
    private static final Set<String> JAVA_LAUNCHER_OPTIONS = Set.of("--add-modules", "--add-opens", "--add-exports");

    /** The options {@code compress} gains under lc-spark's {@code SparkMain}, read from their source. */
    private static final Path SPARK_OPTIONS = ROOT.resolve(
            Path.of("lc-spark", "src", "main", "java", "io", "github", "lc4j", "spark", "SparkCompressOptions.java"));

    private static final Pattern FENCE = Pattern.compile("^\\s*(```+|~~~+)\\s*([\\w+-]*).*$");
    private static final Pattern CODE_SPAN = Pattern.compile("(?<!`)`([^`]+)`(?!`)");
    /**
     * An option token: {@code --name}, {@code --name=value}, {@code [--name}, {@code --[no-]name},
     * or a one-letter {@code -k}. {@code -Pgpu} or {@code -DskipTests} are Maven's, not picocli's.
     */
    private static final Pattern OPTION =
            Pattern.compile("^[\\[(]*(?:--(?:\\[no-])?([A-Za-z][A-Za-z0-9-]*)|-([A-Za-z])(?![A-Za-z0-9.]))");

    private static final Pattern ANNOTATION_NAMES = Pattern.compile("names\\s*=\\s*(\\{[^}]*}|\"[^\"]*\")");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");

    /** The command tree as {@link Lc4jCommand#execute} builds it. */
    private final Map<String, CommandLine> commands = new CommandLine(new Lc4jCommand()).getSubcommands();

    private final Set<String> rootOptions = optionNames(new CommandLine(new Lc4jCommand()).getCommandSpec());

    @Test
    void everyDocumentedCommandAndOptionExists() throws IOException {
        List<Path> pages = pages();
        assertTrue(pages.size() > 5, "README.md and docs/*.md: " + pages);
        List<String> problems = new ArrayList<>();
        int invocations = 0;
        for (Path page : pages) {
            Checker checker = new Checker(ROOT.relativize(page).toString());
            checker.check(Files.readAllLines(page));
            problems.addAll(checker.problems);
            invocations += checker.invocations;
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " documented command(s) or option(s) the command line does not have:\n  "
                    + String.join("\n  ", problems));
        }
        // the README alone shows ./lc4j demo, compress, inspect and evaluate
        assertTrue(invocations >= 4, "found only " + invocations + " lc4j invocations: is the parser broken?");
    }

    @Test
    void theCheckNamesTheFileLineAndWhatIsUnknown() {
        Checker checker = new Checker("sample.md");
        checker.check(
                List.of(
                        "# sample",
                        "",
                        "```bash",
                        "./lc4j compress --weights ref.npz \\",
                        "    --mu-stepz 3 --output q.npz   # a comment --not-an-option",
                        "java -jar lc-cli/target/lc4j.jar compres --model lenet5",
                        "./lc4j help compres",
                        "for command in demo train; do java -jar lc-cli/target/lc4j.jar help \"$command\"; done",
                        "mvn -B verify -pl lc-cli --also-make",
                        "```",
                        "",
                        "```text",
                        "lc4j demo: --whatever, program output",
                        "```",
                        "",
                        "Prose with `--mu-steps 25` and `--mu-stepz`, an `lc4j inspect --model q.onnx --chek` span, and",
                        "one that wraps: `lc4j evaluate --model q.onnx",
                        "--runtimes both`; `-k 2` and `--[no-]nesterov` and `--no-nesterov` exist, `mvn --foo` is",
                        "mvn's. `SparkMain compress --spark-mode sync --local-stepz 2` and `lc4j demo --spark-mode x`; `-Pgpu`."));
        assertEquals(
                List.of(
                        "sample.md:4: 'lc4j compress' has no option --mu-stepz",
                        "sample.md:6: lc4j has no command 'compres'",
                        "sample.md:7: lc4j has no command 'compres'",
                        "sample.md:16: no lc4j command has the option --mu-stepz",
                        "sample.md:16: 'lc4j inspect' has no option --chek",
                        "sample.md:17: 'lc4j evaluate' has no option --runtimes",
                        "sample.md:19: 'SparkMain compress' has no option --local-stepz",
                        "sample.md:19: 'lc4j demo' has no option --spark-mode"),
                checker.problems);
    }

    /**
     * Every command that reads option values from {@code --config} (all but {@code experiment},
     * whose {@code --config} is the grid itself) has {@code docs/<command>-example.yaml}, which
     * reads without error and names every key the command accepts, set or commented out
     * ({@code # key:}). {@code compress}'s file is checked the same way by
     * {@link CompressEndToEndTest}.
     */
    @Test
    void everyCommandThatTakesAConfigHasAnExampleWithAllItsKeys() throws IOException {
        Set<String> checked = new TreeSet<>();
        for (Map.Entry<String, CommandLine> entry : commands.entrySet()) {
            String name = entry.getKey();
            CommandSpec spec = entry.getValue().getCommandSpec();
            if (spec.findOption("--config") == null || name.equals("experiment")) {
                continue;
            }
            Path example = ROOT.resolve(Path.of("docs", name + "-example.yaml"));
            assertTrue(
                    Files.isRegularFile(example),
                    "'lc4j " + name + "' takes --config but " + example + " does not exist; write one with every key");
            RunConfig.read(example, spec);
            checked.add(name);
            if (name.equals("compress")) {
                continue;
            }
            List<String> lines = Files.readAllLines(example);
            for (String key : RunConfig.keys(spec)) {
                assertTrue(
                        lines.stream()
                                .anyMatch(line -> line.startsWith(key + ":") || line.startsWith("# " + key + ":")),
                        example + " lacks the key '" + key + "' of 'lc4j " + name + "'");
            }
        }
        assertTrue(checked.containsAll(Set.of("demo", "train", "compress", "quantize-weights")), "checked " + checked);
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(file -> file.getFileName().toString().endsWith(".md"))
                    .sorted()
                    .forEach(pages::add);
        }
        return pages;
    }

    /** The names an option can be given by, with {@code --no-X} for a negatable {@code --X}. */
    private static Set<String> optionNames(CommandSpec spec) {
        Set<String> names = new LinkedHashSet<>();
        for (OptionSpec option : spec.options()) {
            for (String name : option.names()) {
                names.add(name);
                if (option.negatable() && name.startsWith("--")) {
                    names.add("--no-" + name.substring(2));
                }
            }
        }
        return names;
    }

    private static Set<String> sparkOptions() {
        String source;
        try {
            source = Files.readString(SPARK_OPTIONS);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + SPARK_OPTIONS + ", where the Spark driver's options are", e);
        }
        Set<String> names = new LinkedHashSet<>();
        Matcher annotation = ANNOTATION_NAMES.matcher(source);
        while (annotation.find()) {
            Matcher quoted = QUOTED.matcher(annotation.group(1));
            while (quoted.find()) {
                names.add(quoted.group(1));
            }
        }
        assertTrue(names.contains("--spark-mode"), "no --spark-mode in " + SPARK_OPTIONS + ": " + names);
        return names;
    }

    /** Finds the invocations and options of one page and collects what does not exist. */
    private final class Checker {
        private final String file;
        private final List<String> problems = new ArrayList<>();
        private final Set<String> sparkOptions = sparkOptions();
        private final Set<String> anyOption = new TreeSet<>();
        private int invocations;

        Checker(String file) {
            this.file = file;
            anyOption.addAll(rootOptions);
            commands.values().forEach(command -> anyOption.addAll(optionNames(command.getCommandSpec())));
            anyOption.addAll(sparkOptions);
            anyOption.addAll(JAVA_LAUNCHER_OPTIONS);
        }

        void check(List<String> lines) {
            // prose: the page with its code blocks blanked out, so that spans keep their line numbers
            List<String> prose = new ArrayList<>(lines);
            String fence = null;
            boolean shell = false;
            StringBuilder command = new StringBuilder();
            int commandLine = 0;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                Matcher opening = FENCE.matcher(line);
                if (fence == null && opening.matches()) {
                    fence = opening.group(1);
                    shell = SHELL_BLOCKS.contains(opening.group(2).toLowerCase(Locale.ROOT));
                    prose.set(i, "");
                    continue;
                }
                if (fence != null) {
                    prose.set(i, "");
                    if (line.strip().startsWith(fence)
                            && line.strip().replace(fence.substring(0, 1), "").isEmpty()) {
                        fence = null;
                        continue;
                    }
                    if (!shell) {
                        continue;
                    }
                    // a shell line, joined with its continuation lines
                    if (command.length() == 0) {
                        commandLine = i + 1;
                    }
                    String text = withoutComment(line);
                    boolean continued = text.stripTrailing().endsWith("\\");
                    command.append(continued ? text.stripTrailing().replaceFirst("\\\\$", "") : text)
                            .append(' ');
                    if (!continued) {
                        for (String part : command.toString().split("&&|\\|\\||;")) {
                            checkShell(part, commandLine, false);
                        }
                        command.setLength(0);
                    }
                }
            }
            Matcher span = CODE_SPAN.matcher(String.join("\n", prose));
            while (span.find()) {
                if (span.group(1).contains("\n\n")) {
                    continue;
                }
                int line = 1
                        + (int) String.join("\n", prose)
                                .substring(0, span.start())
                                .chars()
                                .filter(c -> c == '\n')
                                .count();
                checkShell(span.group(1).replace('\n', ' '), line, true);
            }
        }

        private String withoutComment(String line) {
            String text = line.strip().startsWith("$ ") ? line.strip().substring(2) : line;
            int hash = text.startsWith("#") ? 0 : text.indexOf(" #");
            return hash >= 0 ? text.substring(0, hash) : text;
        }

        /**
         * Checks one command line (a shell line or a code span): an lc4j invocation anywhere in
         * it, else, for a span, options standing alone.
         */
        private void checkShell(String text, int line, boolean span) {
            List<String> tokens = Arrays.stream(text.strip().split("\\s+"))
                    .map(token -> token.replaceAll("^[\"']+|[\"']+$", ""))
                    .filter(token -> !token.isEmpty())
                    .toList();
            for (int i = 0; i < tokens.size(); i++) {
                String token = tokens.get(i);
                boolean lc4j = token.equals("lc4j")
                        || token.endsWith("/lc4j")
                        || token.endsWith("/lc4j.jar")
                        || token.equals("lc4j.jar");
                boolean spark = token.equals("SparkMain") || token.endsWith(".SparkMain");
                if (lc4j || spark) {
                    int next = i + 1;
                    while (spark && next < tokens.size() && tokens.get(next).endsWith(".jar")) {
                        next++;
                    }
                    invocation(tokens.subList(next, tokens.size()), line, spark);
                    return;
                }
            }
            if (!span || tokens.isEmpty()) {
                return;
            }
            if (commands.containsKey(tokens.get(0)) && tokens.size() > 1) {
                // `compress --checkpoint DIR`: an lc4j command without the program's name
                invocation(tokens, line, false);
            } else if (OPTION.matcher(tokens.get(0)).find()) {
                for (String option : options(tokens)) {
                    if (!anyOption.contains(option)) {
                        problems.add(file + ":" + line + ": no lc4j command has the option " + option);
                    }
                }
            }
        }

        private void invocation(List<String> arguments, int line, boolean spark) {
            invocations++;
            String program = spark ? "SparkMain" : "lc4j";
            if (arguments.isEmpty() || arguments.get(0).startsWith("-")) {
                for (String option : options(arguments)) {
                    if (!rootOptions.contains(option)) {
                        problems.add(file + ":" + line + ": " + program + " has no option " + option);
                    }
                }
                return;
            }
            String name = arguments.get(0);
            CommandLine command = commands.get(name);
            if (command == null) {
                problems.add(file + ":" + line + ": " + program + " has no command '" + name + "'");
                return;
            }
            List<String> rest = arguments.subList(1, arguments.size());
            if (name.equals("help") && !rest.isEmpty()) {
                String subject = rest.get(0);
                // `help COMMAND` or `help "$command"` is a placeholder; `help compres` is a typo
                if (subject.matches("[a-z][a-z-]*") && !commands.containsKey(subject)) {
                    problems.add(file + ":" + line + ": " + program + " has no command '" + subject + "'");
                }
                return;
            }
            Set<String> valid = optionNames(command.getCommandSpec());
            if (spark && name.equals("compress")) {
                valid.addAll(sparkOptions);
            }
            for (String option : options(rest)) {
                if (!valid.contains(option)) {
                    problems.add(file + ":" + line + ": '" + program + " " + name + "' has no option " + option);
                }
            }
        }

        /** The options among {@code tokens}, as {@link #OPTION} finds them. */
        private List<String> options(List<String> tokens) {
            List<String> options = new ArrayList<>();
            for (String token : tokens) {
                Matcher option = OPTION.matcher(token);
                if (option.find()) {
                    options.add(option.group(1) != null ? "--" + option.group(1) : "-" + option.group(2));
                }
            }
            return options;
        }
    }
}
