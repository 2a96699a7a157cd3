package io.github.lc4j.experiments;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.QuantizedGroup;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CodebookSpecs;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.TrainingRequest;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.io.AtomicFiles;
import io.github.lc4j.core.io.CheckpointStore;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Runs a {@link GridSpec} cell by cell into a folder: {@code references/} (one trained reference
 * per model and seed), {@code cells/} (one JSON per finished cell), {@code checkpoints/} (the
 * running cell's), then {@code RESULTS.md} and {@code plots/}. A cell whose JSON exists is not run
 * again; a cell that was stopped resumes from its checkpoint, or starts over when that checkpoint
 * is damaged or was written with other settings.
 *
 * <p>A cell is a model, codebook entry, method, seed and budget, named
 * {@code <model>__<codebook>@<granularity>__<method>__seed<seed>}, with {@code __x<budget>}
 * appended for a budget other than 1. A codebook entry with a size budget
 * ({@code SPEC[@GRANULARITY];bits=B} or {@code ;rho=R}, see {@link GridSpec.CodebookEntry}) adds
 * it to the codebook's part, {@code -bits<B>} or {@code -rho<R>}: {@code auto;rho=30.5} names
 * {@code lenet300__auto@layer-rho30.5__lc__seed1}. Such a cell's request carries the size budget, so
 * every C step, DC's included, chooses each task's codebook within it; its result records the
 * final choices and the ρ they reach. Every compression cell gets the schedule's convergence
 * tolerance and trains {@code epochs-per-step} × budget epochs per iteration. The reference
 * ({@code <model>__float__reference__seed<seed>}) and DC have no budget: they train nothing under
 * the schedule, so they run once per model and seed (and codebook, for DC) and stand in every
 * budget's comparison.
 */
public final class ExperimentRunner {
    /** What a run did. */
    public record Summary(int ran, int skipped, Path results) {}

    static final ObjectMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private static final int HISTOGRAM_BINS = 120;

    private final Lc4j lc4j;
    private final Path output;
    private final PrintWriter log;
    private final LcListener progress;

    /**
     * Creates a runner that writes into {@code output}, says what it does on {@code log} and
     * passes training progress to {@code progress}.
     */
    public ExperimentRunner(Lc4j lc4j, Path output, PrintWriter log, LcListener progress) {
        this.lc4j = requireNonNull(lc4j, "lc4j is null");
        this.output = requireNonNull(output, "output is null");
        this.log = requireNonNull(log, "log is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    /**
     * Returns the data a grid asks for.
     *
     * @throws InvalidInputException when it asks for the full Fashion-MNIST and it is not installed,
     *                               saying how to install it
     */
    public static TrainTestSplit data(GridSpec grid) {
        if (grid.data().equals("full")) {
            if (!Files.isDirectory(DataSets.SYSTEM_FASHION_MNIST)) {
                throw new InvalidInputException("the grid asks for the full Fashion-MNIST (data: full), which is not"
                        + " installed in " + DataSets.SYSTEM_FASHION_MNIST + ": install it with 'sudo apt-get"
                        + " install dataset-fashion-mnist' (Debian, MIT licence), or set data: embedded");
            }
            return DataSets.fromIdxDirectory(DataSets.SYSTEM_FASHION_MNIST);
        }
        return DataSets.resolve(grid.data());
    }

    /**
     * Runs every cell of {@code grid} that has no result yet, then writes the report.
     *
     * @param command the command line that regenerates the results, for the report
     */
    public Summary run(GridSpec grid, TrainTestSplit data, String command) {
        createFolders();
        List<Cell> cells = cells(grid);
        int ran = 0;
        int skipped = 0;
        for (int c = 0; c < cells.size(); c++) {
            Cell cell = cells.get(c);
            Path result = output.resolve("cells").resolve(cell.id() + ".json");
            if (Files.exists(result)) {
                skipped++;
                continue;
            }
            log.printf(Locale.ROOT, "cell %d/%d: %s%n", c + 1, cells.size(), cell.id());
            log.flush();
            CellResult measured = run(grid, cell, data);
            byte[] json = bytes(measured);
            AtomicFiles.write(result, out -> out.write(json));
            log.printf(
                    Locale.ROOT,
                    "  done: train loss %.4f, train error %.2f %%, test error %.2f %%, ρ %.1f%s, %.0f s%n",
                    measured.trainLoss(),
                    100 * measured.trainError(),
                    100 * measured.testError(),
                    measured.rho(),
                    measured.chooses() ? " (" + measured.allocation() + ")" : "",
                    measured.seconds());
            log.flush();
            ran++;
        }
        Path results = ResultsReport.write(output, grid, cells, command);
        log.printf("%d cells run, %d already done; report: %s%n", ran, skipped, results);
        log.flush();
        return new Summary(ran, skipped, results);
    }

    /** Writes the report from the cells finished so far, running none; returns RESULTS.md's path. */
    public Path report(GridSpec grid, String command) {
        createFolders();
        return ResultsReport.write(output, grid, cells(grid), command);
    }

    /**
     * One cell of the grid; {@code codebook} is the grid's codebook entry (null for the reference),
     * {@code budget} is 1 for the reference and DC.
     */
    record Cell(String model, String codebook, String method, long seed, int budget) {
        String id() {
            String entry = codebook == null ? "float" : entry().idPart();
            // budget 1 keeps the names cells had before budgets, so finished cells are found again
            return (model + "__" + entry + "__" + method + "__seed" + seed + (budget == 1 ? "" : "__x" + budget))
                    .replaceAll("[^A-Za-z0-9@.,_+-]", "-");
        }

        /** The codebook entry read: spec, granularity and size budget; null for the reference. */
        GridSpec.CodebookEntry entry() {
            return codebook == null ? null : GridSpec.CodebookEntry.parse(codebook);
        }

        /** Whether this cell's result stands in the comparison at {@code budget}. */
        boolean comparesAt(int budget) {
            return this.budget == budget || !hasBudget(method);
        }
    }

    /** Whether cells of {@code method} run once per budget: all but the reference and DC, which train nothing. */
    static boolean hasBudget(String method) {
        return !method.equals(GridSpec.REFERENCE) && !method.equals(CompressionMethod.DIRECT_COMPRESSION.key());
    }

    /**
     * Every cell, in the order they run: per model and seed, the reference first, then per budget
     * every codebook and method (DC in the first budget's pass only).
     */
    static List<Cell> cells(GridSpec grid) {
        List<Cell> cells = new ArrayList<>();
        for (GridSpec.Model model : grid.models()) {
            for (long seed : grid.seeds()) {
                if (grid.methods().contains(GridSpec.REFERENCE)) {
                    cells.add(new Cell(model.name(), null, GridSpec.REFERENCE, seed, 1));
                }
                for (int b = 0; b < grid.budgets().size(); b++) {
                    int budget = grid.budgets().get(b);
                    for (String codebook : model.codebooks()) {
                        for (String method : grid.methods()) {
                            if (hasBudget(method)) {
                                cells.add(new Cell(model.name(), codebook, method, seed, budget));
                            } else if (!method.equals(GridSpec.REFERENCE) && b == 0) {
                                cells.add(new Cell(model.name(), codebook, method, seed, 1));
                            }
                        }
                    }
                }
            }
        }
        return cells;
    }

    private CellResult run(GridSpec grid, Cell cell, TrainTestSplit data) {
        ModelSpec model = ModelZoo.byName(cell.model());
        GridSpec.Model modelGrid = grid.models().stream()
                .filter(m -> m.name().equals(cell.model()))
                .findFirst()
                .orElseThrow();
        long start = System.nanoTime();
        Weights reference = reference(model, modelGrid.reference(), data, cell.seed());
        if (cell.codebook() == null) {
            Evaluation train = lc4j.evaluate(model, reference, data.train());
            Evaluation test = lc4j.evaluate(model, reference, data.test());
            return new CellResult(
                    cell.id(),
                    cell.model(),
                    "float",
                    "-",
                    cell.method(),
                    cell.seed(),
                    1,
                    0,
                    lc4j.backendName(),
                    data.description(),
                    1,
                    32,
                    32,
                    null,
                    Map.of(),
                    train.meanLoss(),
                    train.errorRate(),
                    test.meanLoss(),
                    test.errorRate(),
                    seconds(start),
                    null,
                    List.of(),
                    null);
        }
        GridSpec.CodebookEntry entry = cell.entry();
        Codebook codebook = CodebookSpecs.parse(entry.spec(), null);
        List<CompressionTask> tasks = CodebookSpecs.withLayers(
                model, CodebookSpecs.tasks(model, codebook, entry.granularity()), entry.layers(), null);
        GridSpec.Schedule schedule = grid.scheduleOf(modelGrid);
        int epochsPerStep = schedule.epochsPerStep() * cell.budget();
        Path checkpoints = output.resolve("checkpoints").resolve(cell.id());
        Supplier<CompressionRequest.Builder> request = () -> withSizeBudget(entry, CompressionRequest.builder())
                .model(model)
                .reference(reference)
                .data(data)
                .tasks(tasks)
                .method(CompressionMethod.byKey(cell.method()))
                .schedule(MuSchedule.exponential(schedule.mu0(), schedule.muFactor(), schedule.muSteps()))
                .optimizer(sgd(schedule.lr(), schedule.lrDecay(), schedule.batch(), schedule.momentum())
                        .optEpochsPerStep(epochsPerStep)
                        .build())
                .convergenceTolerance(schedule.tolerance())
                .seed(cell.seed())
                .listener(progress)
                .checkpointInterval(Duration.ofMinutes(2));
        LcResult result = null;
        if (hasCheckpoint(checkpoints)) {
            try {
                result = lc4j.compress(request.get().resumeFrom(checkpoints).build());
            } catch (InvalidInputException e) {
                log.println("  starting the cell over: " + e.getMessage());
                deleteRecursively(checkpoints);
            }
        }
        if (result == null) {
            result = lc4j.compress(request.get().checkpoints(checkpoints).build());
        }
        Weights continuous = cell.method().equals(CompressionMethod.DIRECT_COMPRESSION.key())
                ? reference
                : Weights.of(
                        model,
                        new CheckpointStore(checkpoints)
                                .readLatest()
                                .checkpoint()
                                .weights());
        CellResult measured = measured(cell, model, result, continuous, data, seconds(start), entry, epochsPerStep);
        deleteRecursively(checkpoints);
        return measured;
    }

    private CellResult measured(
            Cell cell,
            ModelSpec model,
            LcResult result,
            Weights continuous,
            TrainTestSplit data,
            double seconds,
            GridSpec.CodebookEntry entry,
            int epochsPerStep) {
        List<CellResult.Iteration> iterations = new ArrayList<>();
        for (IterationRecord record : result.history()) {
            iterations.add(new CellResult.Iteration(
                    record.iteration(),
                    record.mu(),
                    record.lStepLoss(),
                    record.train().meanLoss(),
                    record.train().errorRate(),
                    record.test().errorRate()));
        }
        IterationRecord last = result.last();
        QuantizedGroup first = result.groups().get(0);
        // a result's groups hold the codebooks chosen, so these are the sizes the net is stored at
        int widestCode = 0;
        long codeAndCodebookBits = 0;
        long compressedWeights = 0;
        for (QuantizedGroup group : result.groups()) {
            widestCode = Math.max(widestCode, group.codebook().bitsPerWeight());
            codeAndCodebookBits += group.codebook().storageBits(group.weightCount());
            compressedWeights += group.weightCount();
        }
        String granularity = entry.granularity();
        return new CellResult(
                cell.id(),
                cell.model(),
                entry.spec(),
                granularity,
                cell.method(),
                cell.seed(),
                cell.budget(),
                epochsPerStep,
                lc4j.backendName(),
                data.description(),
                result.compressionRatio(),
                widestCode,
                (double) codeAndCodebookBits / compressedWeights,
                entry.sizeBudgetText(),
                last.choices(),
                last.train().meanLoss(),
                last.train().errorRate(),
                last.test().meanLoss(),
                last.test().errorRate(),
                seconds,
                result.stop().name(),
                iterations,
                granularity.equals("channel") ? null : histogram(model, continuous, first));
    }

    /** Sets the entry's size budget on {@code request} when the entry chooses its codebooks. */
    private static CompressionRequest.Builder withSizeBudget(
            GridSpec.CodebookEntry entry, CompressionRequest.Builder request) {
        return entry.chooses() ? request.bitBudget(entry.sizeBudget()) : request;
    }

    /** A histogram of the first compressed parameter's continuous weights, with its group's codebook. */
    private static CellResult.Histogram histogram(ModelSpec model, Weights continuous, QuantizedGroup group) {
        String parameter = group.assignments().keySet().iterator().next();
        float[] values = continuous.get(parameter);
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (float value : values) {
            low = Math.min(low, value);
            high = Math.max(high, value);
        }
        for (float value : group.values()) {
            low = Math.min(low, value);
            high = Math.max(high, value);
        }
        double width = (high - low) / HISTOGRAM_BINS;
        int[] counts = new int[HISTOGRAM_BINS];
        for (float value : values) {
            counts[Math.min(HISTOGRAM_BINS - 1, (int) ((value - low) / (width == 0 ? 1 : width)))]++;
        }
        return new CellResult.Histogram(
                parameter, low, high, counts, group.values().clone());
    }

    /** The reference of {@code model} for {@code seed}: read from {@code references/}, else trained and saved there. */
    private Weights reference(ModelSpec model, GridSpec.Training training, TrainTestSplit data, long seed) {
        Path file = output.resolve("references").resolve(model.name() + "__seed" + seed + ".npz");
        if (Files.exists(file)) {
            return Lc4j.readWeights(file, model);
        }
        log.printf(
                Locale.ROOT, "training the reference %s (seed %d, %d epochs)%n", model.name(), seed, training.epochs());
        log.flush();
        Weights weights = lc4j.train(TrainingRequest.builder()
                .model(model)
                .data(data)
                .optimizer(sgd(training.lr(), training.lrDecay(), training.batch(), training.momentum())
                        .build())
                .epochs(training.epochs())
                .seed(seed)
                .listener(progress)
                .build());
        Lc4j.writeWeights(file, model, weights);
        return weights;
    }

    /** SGD with Nesterov momentum when there is momentum, as the command line sets it. */
    private static OptimizerSpec.Builder sgd(double lr, double decay, int batch, double momentum) {
        return OptimizerSpec.builder()
                .optLearningRate(lr)
                .optLearningRateDecay(decay)
                .optBatchSize(batch)
                .optMomentum(momentum)
                .optNesterov(momentum > 0);
    }

    private void createFolders() {
        try {
            for (String folder : List.of("cells", "references", "checkpoints", "plots")) {
                Files.createDirectories(output.resolve(folder));
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot create the results folder " + output + ": " + e, e);
        }
    }

    private static boolean hasCheckpoint(Path folder) {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.anyMatch(file -> file.getFileName().toString().endsWith(".lc4j"));
        } catch (IOException e) {
            return false;
        }
    }

    static byte[] bytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + folder, e);
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
