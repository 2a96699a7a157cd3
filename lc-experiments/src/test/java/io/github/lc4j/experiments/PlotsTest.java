package io.github.lc4j.experiments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which cells form which series of the plots, and the plots of a many-codebook grid, without training. */
class PlotsTest {
    static final List<String> METHODS = List.of("dc", "idc", "ste", "qp", "lc");

    /** A finished cell with {@code iterations} iterations after DC, the loss falling by 0.1 each. */
    static CellResult cell(
            String codebook,
            String granularity,
            String method,
            double rho,
            double error,
            int epochsPerStep,
            int iterations) {
        return cell(codebook, granularity, null, Map.of(), method, rho, error, epochsPerStep, iterations);
    }

    /** A finished cell of an entry that chose its codebooks under {@code sizeBudget} (e.g. bits=1). */
    static CellResult chosen(
            String codebook, String sizeBudget, Map<String, String> choices, String method, double rho, double error) {
        return cell(codebook, "layer", sizeBudget, choices, method, rho, error, 1, method.equals("dc") ? 0 : 2);
    }

    static CellResult cell(
            String codebook,
            String granularity,
            String sizeBudget,
            Map<String, String> choices,
            String method,
            double rho,
            double error,
            int epochsPerStep,
            int iterations) {
        List<CellResult.Iteration> history = new ArrayList<>();
        for (int i = 0; i <= iterations; i++) {
            history.add(new CellResult.Iteration(i, i == 0 ? 0 : 0.01 * i, Double.NaN, 1 - 0.1 * i, error, error));
        }
        return new CellResult(
                "id",
                "lenet300",
                codebook,
                granularity,
                method,
                1,
                1,
                epochsPerStep,
                "cpu-java",
                "test",
                rho,
                1,
                32 / rho,
                sizeBudget,
                choices,
                1 - 0.1 * iterations,
                error,
                1,
                error,
                1,
                "SCHEDULE_END",
                history,
                null);
    }

    @Test
    void theAdaptiveCodebooksPerLayerAreTheLinesAndEveryOtherCodebookIsAMarkerPerMethod() {
        List<CellResult> cells = List.of(
                cell("adaptive:2", "layer", "lc", 30.5, 0.15, 1, 2),
                cell("adaptive:2", "layer", "ste", 30.5, 0.17, 1, 2),
                cell("scaled-ternary", "layer", "lc", 16.0, 0.13, 1, 2),
                cell("adaptive:4", "layer", "lc", 15.9, 0.12, 1, 2),
                cell("adaptive:4", "layer", "ste", 15.9, 0.14, 1, 2),
                cell("adaptive:2", "shared", "lc", 31.9, 0.16, 1, 2),
                cell("adaptive:2", "shared", "dc", 31.9, 0.4, 1, 0),
                cell("adaptive:2:exact", "layer", "lc", 30.5, 0.15, 1, 2),
                cell("scaled-ternary", "layer", "ste", 16.0, 0.14, 1, 2),
                cell("adaptive:4", "layer", "dc", 15.9 * (1 + 1e-15), 0.2, 1, 0));
        Plots.RhoSeries series = Plots.rhoSeries(METHODS, cells);

        assertEquals(List.of(15.9, 30.5), List.copyOf(series.sweep().keySet()));
        assertEquals(List.of(4, 2), List.copyOf(series.sweep().values()));
        assertEquals(List.of("dc", "ste", "lc"), List.copyOf(series.lines().keySet()), "in the grid's order");
        assertEquals(
                List.of(new Plots.Point(15.9, 0.12), new Plots.Point(30.5, 0.15)),
                series.lines().get("lc"),
                "ascending in ρ");
        assertEquals(
                List.of("scaled-ternary", "adaptive:2@shared", "adaptive:2:exact"),
                List.copyOf(series.markers().keySet()));
        assertEquals(
                List.of("dc", "lc"),
                List.copyOf(series.markers().get("adaptive:2@shared").keySet()));
        assertEquals(
                List.of("ste", "lc"),
                List.copyOf(series.markers().get("scaled-ternary").keySet()));
        assertEquals(
                new Plots.Point(16.0, 0.13),
                series.markers().get("scaled-ternary").get("lc"));
    }

    @Test
    void eachSweepRhoSitsAtItsIndexWithItsLabelAndOtherRhosBetweenInLogScale() {
        Plots.RhoSeries series = Plots.rhoSeries(
                METHODS,
                List.of(
                        cell("adaptive:2", "layer", "lc", 32, 0.1, 1, 1),
                        cell("adaptive:4", "layer", "lc", 16, 0.1, 1, 1),
                        cell("adaptive:16", "layer", "lc", 8, 0.1, 1, 1)));
        assertEquals(0, series.position(8), 1e-12);
        assertEquals(1, series.position(16), 1e-12);
        assertEquals(2, series.position(32), 1e-12);
        assertEquals(1.5, series.position(Math.sqrt(16 * 32)), 1e-12);
        assertEquals(-1, series.position(4), 1e-12, "below the sweep: its first step extended");
        assertEquals(3, series.position(64), 1e-12, "above the sweep: its last step extended");
        assertEquals("8.0 (K=16)", series.tickLabel(0));
        assertEquals("32.0 (K=2)", series.tickLabel(2));
        assertEquals("", series.tickLabel(0.5), "no label between the sweep's ρ");
        assertEquals("64.0", series.tickLabel(3));

        assertArrayEquals(new double[] {0, 2}, series.axis(), "whole positions, the sweep's ends");
        List<CellResult> beyond = new ArrayList<>(List.of(
                cell("adaptive:2", "layer", "lc", 32, 0.1, 1, 1),
                cell("adaptive:4", "layer", "lc", 16, 0.1, 1, 1),
                cell("adaptive:16", "layer", "lc", 8, 0.1, 1, 1),
                cell("binary", "layer", "lc", 32.5, 0.1, 1, 1)));
        assertArrayEquals(
                new double[] {0, 2}, Plots.rhoSeries(METHODS, beyond).axis(), "a point just beyond: in the margin");
        beyond.add(cell("scaled-binary", "channel", "lc", 40, 0.1, 1, 1));
        assertArrayEquals(new double[] {0, 3}, Plots.rhoSeries(METHODS, beyond).axis());

        Plots.RhoSeries one = Plots.rhoSeries(METHODS, List.of(cell("adaptive:2", "layer", "lc", 30, 0.1, 1, 1)));
        assertEquals(0, one.position(30), 1e-12);
        assertEquals(-1, one.position(15), 1e-12, "one sweep point: a unit per doubling");
        assertEquals("30.0 (K=2)", one.tickLabel(0));
        assertArrayEquals(new double[] {-1, 1}, one.axis(), "one position: a unit either side");
    }

    @Test
    void lossCurvesPutIterationIAtEpochITimesEpochsPerStepAndDcFlatOverThem() {
        List<CellResult> cells = List.of(
                cell("adaptive:2", "layer", "dc", 30.5, 0.3, 6, 0),
                cell("adaptive:2", "layer", "lc", 30.5, 0.15, 6, 3),
                cell("adaptive:2", "layer", "ste", 30.5, 0.17, 6, 2));
        Map<String, double[][]> curves = Plots.lossCurves(METHODS, cells);
        assertEquals(List.of("dc", "ste", "lc"), List.copyOf(curves.keySet()));
        assertArrayEquals(new double[] {0, 6, 12, 18}, curves.get("lc")[0]);
        assertArrayEquals(new double[] {1, 0.9, 0.8, 0.7}, curves.get("lc")[1], 1e-12);
        assertArrayEquals(new double[] {0, 6, 12}, curves.get("ste")[0], "a run that stopped early ends early");
        assertArrayEquals(new double[] {0, 18}, curves.get("dc")[0], "DC: flat to the longest run's end");
        assertArrayEquals(new double[] {1, 1}, curves.get("dc")[1]);
    }

    /**
     * The committed full Fashion-MNIST results (written before budgets were recorded) read back
     * with their grid's epochs per step, and render as the report's plots.
     */
    @Test
    void theCommittedResultsReadBackAndRenderEveryPlot(@TempDir Path output) throws Exception {
        GridSpec grid = GridSpec.read(Path.of("..", "docs", "grids", "fashion-mnist.yaml"));
        Path committed = Path.of("..", "docs", "results", "cells");
        Files.createDirectories(output.resolve("cells"));
        Files.createDirectories(output.resolve("plots"));
        try (Stream<Path> files = Files.list(committed)) {
            for (Path file : files.toList()) {
                ObjectNode json = (ObjectNode) ExperimentRunner.JSON.readTree(file.toFile());
                // as a file from before budgets, whatever the committed one holds now
                json.remove(List.of("budget", "epochsPerStep", "stop"));
                Files.write(
                        output.resolve("cells").resolve(file.getFileName()),
                        ExperimentRunner.JSON.writeValueAsBytes(json));
            }
        }
        for (ExperimentRunner.Cell cell : ExperimentRunner.cells(grid)) {
            Path file = output.resolve("cells").resolve(cell.id() + ".json");
            if (Files.exists(file) && cell.codebook() != null) {
                CellResult read = ResultsReport.read(file, grid, cell);
                assertFalse(read.chooses(), cell.id());
                assertEquals(Map.of(), read.choices(), cell.id() + ": written before choices");
                assertEquals(0, read.meanBitsPerWeight(), cell.id() + ": not recorded");
                assertEquals(1, read.budget(), cell.id());
                assertEquals(cell.model().equals("lenet5") ? 1 : 2, read.epochsPerStep(), cell.id());
            }
        }
        Path results = ResultsReport.write(output, grid, ExperimentRunner.cells(grid), "test");
        String md = Files.readString(results);
        assertFalse(md.contains("budget ×"), "one budget: no budget headings");
        ExperimentRunner.Cell lc = new ExperimentRunner.Cell("lenet300", "adaptive:2", "lc", 1, 1);
        CellResult lcRead = ResultsReport.read(output.resolve("cells").resolve(lc.id() + ".json"), grid, lc);
        int epochs = 2 * (lcRead.iterations().size() - 1);
        assertTrue(
                md.matches("(?s).*\\| " + lc.id() + " \\| [0-9.]+ \\| 1 \\| " + epochs + " \\|.*"),
                "the cell table's epochs: 2 per iteration after DC");
        for (String plot : List.of(
                "lenet300-error-vs-rho.png",
                "lenet300-loss-vs-epochs-adaptive-2.png",
                "lenet300-loss-vs-epochs-adaptive-4.png",
                "lenet5-error-vs-rho.png",
                "lenet5-loss-vs-epochs-adaptive-2.png",
                "lenet5-loss-vs-epochs-adaptive-4.png")) {
            assertTrue(md.contains("(plots/" + plot + ")"), plot);
            Path file = output.resolve("plots").resolve(plot);
            assertTrue(Files.size(file) > 10_000, plot + " has " + Files.size(file) + " bytes");
            BufferedImage image = ImageIO.read(file.toFile());
            assertNotNull(image, plot + " is not a PNG");
            assertEquals(900, image.getWidth(), plot);
        }
        assertFalse(md.contains("loss-per-iteration"), md);
        assertFalse(md.contains("allocation"), "no auto entry: no allocation table, bullet or plot");
    }

    @Test
    void theAllocationPlotSetsUniformKAgainstTheAutoEntriesPerLayerForLcAndDc() {
        Map<String, String> choices = Map.of("fc1", "adaptive:2", "fc2", "adaptive:4", "fc3", "adaptive:8");
        List<CellResult> cells = List.of(
                cell("adaptive:4", "layer", "lc", 15.9, 0.12, 1, 2),
                cell("adaptive:2", "layer", "lc", 30.5, 0.15, 1, 2),
                cell("adaptive:2", "layer", "dc", 30.5, 0.4, 1, 0),
                cell("adaptive:2", "layer", "ste", 30.5, 0.17, 1, 2),
                cell("adaptive:2", "shared", "lc", 31.9, 0.16, 1, 2),
                cell("scaled-ternary", "layer", "lc", 16.0, 0.13, 1, 2),
                chosen("auto", "bits=2", choices, "lc", 16.5, 0.11),
                chosen("auto", "bits=1", choices, "lc", 31.0, 0.14),
                chosen("auto", "bits=1", choices, "dc", 31.2, 0.3),
                chosen("auto", "bits=1", choices, "ste", 31.1, 0.16),
                cell("auto", "channel", "bits=1", choices, "lc", 30.0, 0.1, 1, 2));
        Plots.RhoSeries allocation = Plots.allocationSeries(cells);
        assertEquals(
                List.of(Plots.UNIFORM_LC, Plots.UNIFORM_DC, Plots.AUTOMATIC_LC, Plots.AUTOMATIC_DC),
                List.copyOf(allocation.lines().keySet()));
        assertEquals(
                List.of(new Plots.Point(15.9, 0.12), new Plots.Point(30.5, 0.15)),
                allocation.lines().get(Plots.UNIFORM_LC),
                "adaptive K per layer only, ascending in ρ");
        assertEquals(List.of(new Plots.Point(30.5, 0.4)), allocation.lines().get(Plots.UNIFORM_DC));
        assertEquals(
                List.of(new Plots.Point(16.5, 0.11), new Plots.Point(31.0, 0.14)),
                allocation.lines().get(Plots.AUTOMATIC_LC),
                "one point per size budget, per layer only");
        assertEquals(List.of(new Plots.Point(31.2, 0.3)), allocation.lines().get(Plots.AUTOMATIC_DC));
        assertEquals(List.of(15.9, 30.5), List.copyOf(allocation.sweep().keySet()), "the ticks: uniform K");

        Plots.RhoSeries first = Plots.rhoSeries(METHODS, cells);
        assertEquals(
                List.of("adaptive:2@shared", "scaled-ternary"),
                List.copyOf(first.markers().keySet()),
                "the auto cells are the allocation plot's, not markers of the first");
        assertEquals(
                List.of(new Plots.Point(15.9, 0.12), new Plots.Point(30.5, 0.15)),
                first.lines().get("lc"));
        assertEquals(
                "auto;bits=1",
                Plots.codebookLabel(chosen("auto", "bits=1", choices, "lc", 31.0, 0.14)),
                "a size budget is part of the entry's name");

        assertEquals(
                List.of(Plots.UNIFORM_LC, Plots.UNIFORM_DC),
                List.copyOf(Plots.allocationSeries(cells.subList(0, 6)).lines().keySet()),
                "without auto cells the plot has nothing to set uniform K against");
    }

    @Test
    void aModelWithAutoCellsGetsTheAllocationPlotAtEveryBudget(@TempDir Path output) throws Exception {
        GridSpec quick = GridSpec.read(GridSpecTest.quickWith(output, "[adaptive:2, adaptive:4, \"auto;bits=1\"]"));
        GridSpec grid = ExperimentRunnerTest.withBudgets(quick, List.of(1, 3));
        Files.createDirectories(output.resolve("plots"));
        Map<String, String> choices = Map.of("fc1", "adaptive:1", "fc2", "adaptive:4", "fc3", "adaptive:8");
        Map<ExperimentRunner.Cell, CellResult> done = new LinkedHashMap<>();
        for (ExperimentRunner.Cell cell : ExperimentRunner.cells(grid)) {
            if (cell.codebook() == null) {
                continue;
            }
            GridSpec.CodebookEntry entry = cell.entry();
            int iterations = cell.method().equals("dc") ? 0 : 2;
            done.put(
                    cell,
                    entry.chooses()
                            ? cell(
                                    entry.spec(),
                                    "layer",
                                    entry.sizeBudgetText(),
                                    choices,
                                    cell.method(),
                                    35,
                                    0.18,
                                    cell.budget(),
                                    iterations)
                            : cell(
                                    entry.spec(),
                                    "layer",
                                    cell.method(),
                                    entry.spec().equals("adaptive:2") ? 30.5 : 15.9,
                                    0.2,
                                    cell.budget(),
                                    iterations));
        }
        List<String> files = Plots.write(output, grid, grid.models().get(0), METHODS, done).stream()
                .map(Plots.Written::file)
                .toList();
        assertEquals(
                List.of(
                        "lenet300-error-vs-rho.png",
                        "lenet300-error-vs-rho-allocation.png",
                        "lenet300-loss-vs-epochs-adaptive-2.png",
                        "lenet300-loss-vs-epochs-adaptive-4.png",
                        "lenet300-error-vs-rho-x3.png",
                        "lenet300-error-vs-rho-allocation-x3.png",
                        "lenet300-loss-vs-epochs-adaptive-2-x3.png",
                        "lenet300-loss-vs-epochs-adaptive-4-x3.png"),
                files);
        for (String file : files) {
            BufferedImage image =
                    ImageIO.read(output.resolve("plots").resolve(file).toFile());
            assertNotNull(image, file);
            assertEquals(900, image.getWidth(), file);
        }
    }

    @Test
    void everyBudgetGetsItsOwnPlotsWithItsSuffix(@TempDir Path output) throws Exception {
        GridSpec grid = ExperimentRunnerTest.withBudgets(GridSpec.read(ExperimentRunnerTest.QUICK), List.of(1, 3));
        Files.createDirectories(output.resolve("plots"));
        Map<ExperimentRunner.Cell, CellResult> done = new LinkedHashMap<>();
        for (ExperimentRunner.Cell cell : ExperimentRunner.cells(grid)) {
            if (cell.codebook() != null) {
                int iterations = cell.method().equals("dc") ? 0 : 2;
                done.put(cell, cell("adaptive:2", "layer", cell.method(), 30.5, 0.2, cell.budget(), iterations));
            }
        }
        List<String> files = Plots.write(output, grid, grid.models().get(0), METHODS, done).stream()
                .map(Plots.Written::file)
                .toList();
        assertEquals(
                List.of(
                        "lenet300-error-vs-rho.png",
                        "lenet300-loss-vs-epochs-adaptive-2.png",
                        "lenet300-error-vs-rho-x3.png",
                        "lenet300-loss-vs-epochs-adaptive-2-x3.png"),
                files);
        for (String file : files) {
            assertTrue(Files.size(output.resolve("plots").resolve(file)) > 10_000, file);
        }
    }
}
