package io.github.lc4j.cli;

import io.github.lc4j.api.Lc4jException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code lc4j} command: train reference nets, quantize them with LC, run the demo. */
@Command(
        name = "lc4j",
        mixinStandardHelpOptions = true,
        version = "lc4j 0.1.0",
        description = "Quantize neural nets with the learning-compression (LC) algorithm.",
        subcommands = {
            DemoCommand.class,
            TrainCommand.class,
            CompressCommand.class,
            ExperimentCommand.class,
            QuantizeWeightsCommand.class,
            ExportCommand.class,
            EvaluateCommand.class,
            InspectCommand.class,
            BackendsCommand.class,
            ModelsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Lc4jCommand implements Runnable {
    /** Exit code for bad input: unknown options, missing files, invalid values. */
    public static final int BAD_INPUT = 2;
    /** Exit code for an unexpected failure. */
    public static final int INTERNAL_ERROR = 1;

    @Option(
            names = "--verbose",
            description = "Print stack traces of errors, the libraries' notices and where a run's time went.",
            scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    /** Whether {@code --verbose} was given to the command of {@code spec} or to a command above it. */
    static boolean verbose(CommandLine.Model.CommandSpec spec) {
        for (CommandLine line = spec.commandLine(); line != null; line = line.getParent()) {
            if (line.getParseResult() != null && line.getParseResult().hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        quietLibraries(java.util.Arrays.asList(args).contains("--verbose"));
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Silences the backend libraries' Java logging (SLF4J, routed to java.util.logging, and
     * JavaCPP's loader, routed to SLF4J) unless {@code verbose}: their notices are noise to a user
     * reading a result table. TensorFlow's native logging is the launcher's to quiet
     * ({@code TF_CPP_MIN_LOG_LEVEL}), as it reads the environment.
     */
    static void quietLibraries(boolean verbose) {
        if (System.getProperty("org.bytedeco.javacpp.logger") == null) {
            System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
        }
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        java.util.logging.Level level = verbose ? java.util.logging.Level.INFO : java.util.logging.Level.SEVERE;
        root.setLevel(level);
        for (java.util.logging.Handler handler : root.getHandlers()) {
            handler.setLevel(level);
        }
    }

    /** Runs the command line with the given streams and returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, out, err, null);
    }

    /**
     * Runs the command line as the shorter form does, with {@code compress} training where
     * {@code location} says (null: in this JVM) and taking its options.
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, TrainingLocation location) {
        CommandLine commandLine = new CommandLine(new Lc4jCommand());
        if (location != null) {
            CommandLine compress = commandLine.getSubcommands().get("compress");
            compress.addMixin("trainingLocation", location.options());
            ((CompressCommand) compress.getCommand()).location = location;
        }
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((exception, arguments) -> {
            err.println("lc4j: " + exception.getMessage());
            if (exception instanceof CommandLine.UnmatchedArgumentException unmatched) {
                List<String> names = new ArrayList<>();
                unmatched
                        .getCommandLine()
                        .getCommandSpec()
                        .options()
                        .forEach(option -> names.addAll(List.of(option.names())));
                for (String typed : unmatched.getUnmatched()) {
                    String closest = typed.startsWith("-") ? Suggestions.closest(typed, names) : null;
                    if (closest != null) {
                        err.println("Did you mean " + closest + " (for " + typed + ")?");
                    }
                }
            }
            err.println("Run 'lc4j " + exception.getCommandLine().getCommandName() + " --help' for the options.");
            return BAD_INPUT;
        });
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(sub -> sub.hasMatchedOption("--verbose"));
            if (verbose) {
                exception.printStackTrace(err);
            }
            if (exception instanceof Lc4jException || exception instanceof IllegalArgumentException) {
                err.println("lc4j: error: " + exception.getMessage());
                return BAD_INPUT;
            }
            err.println("lc4j: internal error: " + exception + (verbose ? "" : " (run with --verbose for details)"));
            return INTERNAL_ERROR;
        });
        String config = configArgument(args);
        // for 'experiment', --config is the grid itself, not option defaults
        String first = java.util.Arrays.stream(args)
                .filter(commandLine.getSubcommands()::containsKey)
                .findFirst()
                .orElse("");
        if (config != null && !first.equals("experiment")) {
            CommandLine command = commandLine.getSubcommands().get(first);
            if (command == null) {
                err.println("lc4j: error: --config needs a command that takes it (demo, train, compress,"
                        + " quantize-weights, evaluate)");
                return BAD_INPUT;
            }
            try {
                command.setDefaultValueProvider(
                        RunConfig.read(java.nio.file.Path.of(config), command.getCommandSpec()));
            } catch (Lc4jException | java.nio.file.InvalidPathException e) {
                err.println("lc4j: error: " + e.getMessage());
                return BAD_INPUT;
            }
        }
        return commandLine.execute(args);
    }

    /** Returns the value of {@code --config} on the command line, if any. */
    private static String configArgument(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith("--config=")) {
                return args[i].substring("--config=".length());
            }
        }
        return null;
    }
}
