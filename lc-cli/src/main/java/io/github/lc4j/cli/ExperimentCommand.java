package io.github.lc4j.cli;

import io.github.lc4j.api.LcListener;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.experiments.ExperimentRunner;
import io.github.lc4j.experiments.GridSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs an experiment grid into a results folder. */
@Command(
        name = "experiment",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run an experiment grid (models × codebooks × methods × seeds) and write RESULTS.md and plots.",
            "Finished cells are kept in OUTPUT/cells/ and not run again; a stopped cell resumes from its"
                    + " checkpoint. See docs/grids/ for the committed grids."
        })
final class ExperimentCommand implements Callable<Integer> {
    @Option(
            names = {"--grid", "--config"},
            required = true,
            paramLabel = "GRID.yaml",
            description = "The grid, YAML or JSON (e.g. docs/grids/quick.yaml); --config is the older spelling.")
    Path config;

    @Option(
            names = {"--output-dir", "--output"},
            required = true,
            paramLabel = "DIR",
            description = "The results folder; --output is the older spelling.")
    Path output;

    @Option(names = "--backend", paramLabel = "NAME", description = "Backend, instead of the grid's.")
    String backend;

    @Option(names = "--threads", description = "Threads for the backend, instead of the grid's.")
    Integer threads;

    @Option(
            names = "--report-only",
            description = "Write RESULTS.md and the plots from the cells finished so far; run nothing.")
    boolean reportOnly;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Renamed.notice(spec, spec.commandLine().getErr());
        GridSpec grid = GridSpec.read(config);
        String command = "lc4j experiment --grid " + config + " --output-dir " + output
                + (backend != null ? " --backend " + backend : "") + (threads != null ? " --threads " + threads : "");
        if (reportOnly) {
            Path results = new ExperimentRunner(
                            Lc4j.builder().build(), output, spec.commandLine().getErr(), LcListener.NONE)
                    .report(grid, command);
            spec.commandLine().getOut().println("results written to " + results);
            return 0;
        }
        TrainTestSplit data = ExperimentRunner.data(grid);
        Lc4j.Builder builder = Lc4j.builder();
        String chosenBackend = backend != null ? backend : grid.backend();
        if (chosenBackend != null) {
            builder.backend(chosenBackend);
        }
        Integer chosenThreads = threads != null ? threads : grid.threads();
        if (chosenThreads != null) {
            if (chosenThreads < 1) {
                throw new IllegalArgumentException("--threads must be >= 1, got " + chosenThreads);
            }
            builder.threads(chosenThreads);
        }
        PrintWriter err = spec.commandLine().getErr();
        ExperimentRunner.Summary summary = new ExperimentRunner(
                        builder.build(), output, err, new ConsoleProgress(err, System.console() != null))
                .run(grid, data, command);
        spec.commandLine().getOut().println("results written to " + summary.results());
        return 0;
    }
}
