package io.github.lc4j.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.core.CodebookSpecs;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.zoo.ModelZoo;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed quick grid runs end to end, is not run twice, restarts a damaged cell cleanly, and
 * grows by the cells of another budget without running the finished ones again, and by automatic
 * allocation cells that choose within their size budget.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExperimentRunnerTest {
    static final Path QUICK = Path.of("..", "docs", "grids", "quick.yaml");

    @TempDir
    static Path output;

    static GridSpec grid;
    static TrainTestSplit data;
    static StringWriter log = new StringWriter();

    @BeforeAll
    static void read() {
        grid = GridSpec.read(QUICK);
        data = ExperimentRunner.data(grid);
    }

    private static ExperimentRunner.Summary run() {
        Lc4j lc4j =
                Lc4j.builder().backend(grid.backend()).threads(grid.threads()).build();
        return new ExperimentRunner(lc4j, output, new PrintWriter(log, true), LcListener.NONE)
                .run(grid, data, "lc4j experiment --config docs/grids/quick.yaml");
    }

    @Test
    @Order(1)
    void theQuickGridRunsEveryCellAndReportsThem() throws Exception {
        ExperimentRunner.Summary summary = run();
        assertEquals(6, summary.ran(), log.toString());
        assertEquals(0, summary.skipped());
        String results = Files.readString(summary.results());
        for (String label : List.of("DC", "iDC", "STE", "LC-qp", "LC")) {
            assertTrue(results.contains("| " + label + " ") || results.contains("| " + label + " |"), label);
        }
        assertTrue(results.contains("| adaptive:2 | 30.5 |"), results);
        assertTrue(results.contains("LC's training loss is at most"), results);
        assertTrue(results.contains("Finished: 6 of 6 cells."), results);
        assertTrue(results.matches("(?s).*Wall time of the 6 finished cells: [0-9.]+ h.*"), results);
        assertTrue(
                results.matches(
                        "(?s).*\\| lenet300__adaptive-2@layer__lc__seed1 \\| 30\\.5 \\| 1 \\| .* s \\| cpu-java \\| 1 \\|.*"),
                results);
        for (String plot : List.of(
                "lenet300-error-vs-rho.png",
                "lenet300-loss-vs-epochs-adaptive-2.png",
                "lenet300-histogram-dc.png",
                "lenet300-histogram-lc.png")) {
            assertTrue(results.contains("(plots/" + plot + ")"), plot);
            BufferedImage image =
                    ImageIO.read(output.resolve("plots").resolve(plot).toFile());
            assertNotNull(image, plot + " is not a PNG");
            assertEquals(900, image.getWidth());
        }
        CellResult lc = ExperimentRunner.JSON.readValue(
                output.resolve("cells")
                        .resolve("lenet300__adaptive-2@layer__lc__seed1.json")
                        .toFile(),
                CellResult.class);
        assertEquals(3, lc.iterations().size(), "DC and two LC iterations");
        assertEquals(1, lc.budget());
        assertEquals(1, lc.epochsPerStep());
        assertEquals("SCHEDULE_END", lc.stop(), "a grid without a tolerance runs every iteration");
        assertTrue(!results.contains("loss-per-iteration") && !results.contains("budget ×"), results);
        assertEquals(2, lc.histogram().codebook().length);
        int counted = 0;
        for (int count : lc.histogram().counts()) {
            counted += count;
        }
        assertEquals(784 * 300, counted, "every weight of fc1 is in the histogram");
        try (Stream<Path> left = Files.list(output.resolve("checkpoints"))) {
            assertEquals(0, left.count(), "finished cells leave no checkpoint");
        }
    }

    @Test
    @Order(2)
    void finishedCellsAreNotRunAgainAndADamagedCellStartsOver() throws Exception {
        ExperimentRunner.Summary again = run();
        assertEquals(0, again.ran());
        assertEquals(6, again.skipped());

        String id = "lenet300__adaptive-2@layer__idc__seed1";
        Files.delete(output.resolve("cells").resolve(id + ".json"));
        Path checkpoints = Files.createDirectories(output.resolve("checkpoints").resolve(id));
        Files.write(checkpoints.resolve("checkpoint-000003.lc4j"), new byte[] {'P', 'K', 3, 4, 0});
        ExperimentRunner.Summary repaired = run();
        assertEquals(1, repaired.ran());
        assertEquals(5, repaired.skipped());
        assertTrue(log.toString().contains("starting the cell over"), log.toString());
        assertTrue(Files.exists(output.resolve("cells").resolve(id + ".json")));
    }

    @Test
    @Order(3)
    void anotherBudgetRunsOnlyItsCellsWithMoreEpochsAndTheTolerance(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("grid.yaml");
        Files.writeString(
                file,
                Files.readString(QUICK)
                        .replace("methods:", "budgets: [1, 2]\nmethods:")
                        .replace("  momentum: 0.9\nmodels:", "  momentum: 0.9\n  tolerance: 0.5\nmodels:"));
        GridSpec budgets = GridSpec.read(file);
        assertEquals(List.of(1, 2), budgets.budgets());
        assertEquals(0.5, budgets.schedule().tolerance());
        Lc4j lc4j = Lc4j.builder()
                .backend(budgets.backend())
                .threads(budgets.threads())
                .build();
        ExperimentRunner.Summary summary = new ExperimentRunner(
                        lc4j, output, new PrintWriter(log, true), LcListener.NONE)
                .run(budgets, data, "lc4j experiment --config grid.yaml");
        assertEquals(
                4,
                summary.ran(),
                "iDC, STE, LC-qp and LC at budget 2; budget 1's cells, DC's and the reference's kept");
        assertEquals(6, summary.skipped());
        for (String method : List.of("idc", "ste", "qp", "lc")) {
            CellResult cell = ExperimentRunner.JSON.readValue(
                    output.resolve("cells")
                            .resolve("lenet300__adaptive-2@layer__" + method + "__seed1__x2.json")
                            .toFile(),
                    CellResult.class);
            assertEquals(2, cell.budget(), method);
            assertEquals(2, cell.epochsPerStep(), method + ": epochs per step × budget");
            if (method.equals("lc") || method.equals("qp")) {
                assertTrue(!cell.stop().equals("SCHEDULE_END"), method + " got the tolerance: " + cell.stop());
            } else {
                assertEquals("SCHEDULE_END", cell.stop(), method);
                assertEquals(4, cell.epochsTrained(), method + ": two iterations of two epochs");
            }
        }
        assertTrue(Files.notExists(output.resolve("cells").resolve("lenet300__adaptive-2@layer__dc__seed1__x2.json")));
        String results = Files.readString(summary.results());
        assertTrue(
                results.contains(
                        "### Budget ×1: 1 epoch per L step, at most 2 epochs in all (LC and LC-qp stop once converged)"),
                results);
        assertTrue(results.contains("### Budget ×2: 2 epochs per L step, at most 4 epochs in all"), results);
        assertEquals(4, results.split("\n\\| adaptive:2 \\| 30\\.5 \\|", -1).length - 1, "two tables per budget");
        assertTrue(results.contains("At budget ×2, LC's training loss is at most"), results);
        assertTrue(results.contains("| lenet300__adaptive-2@layer__lc__seed1__x2 | 30.5 |"), results);
        for (String plot : List.of(
                "lenet300-error-vs-rho.png",
                "lenet300-error-vs-rho-x2.png",
                "lenet300-loss-vs-epochs-adaptive-2.png",
                "lenet300-loss-vs-epochs-adaptive-2-x2.png")) {
            assertTrue(results.contains("(plots/" + plot + ")"), plot);
            assertNotNull(ImageIO.read(output.resolve("plots").resolve(plot).toFile()), plot);
        }
    }

    /**
     * Automatic allocation end to end: {@code auto;bits=1.5} and {@code auto:1,2,4;rho=20} run for DC
     * and LC next to the finished uniform K = 2; each cell's JSON holds the choices of every layer
     * and the ρ those choices give, within the size budget, and the report has their table and plot.
     */
    @Test
    @Order(4)
    void automaticAllocationCellsRecordChoicesWithinTheirSizeBudgetAndArePlotted(@TempDir Path folder)
            throws Exception {
        Path file = GridSpecTest.quickWith(folder, "[adaptive:2, \"auto;bits=1.5\", \"auto:1,2,4;rho=20\"]");
        Files.writeString(
                file,
                Files.readString(file)
                        .replace("methods: [reference, dc, idc, ste, qp, lc]", "methods: [reference, dc, lc]"));
        GridSpec auto = GridSpec.read(file);
        Lc4j lc4j =
                Lc4j.builder().backend(auto.backend()).threads(auto.threads()).build();
        ExperimentRunner.Summary summary = new ExperimentRunner(
                        lc4j, output, new PrintWriter(log, true), LcListener.NONE)
                .run(auto, data, "lc4j experiment --config grid.yaml");
        assertEquals(4, summary.ran(), "DC and LC of the two auto entries; the reference and K = 2 kept: " + log);

        ModelSpec lenet300 = ModelZoo.byName("lenet300");
        Map<String, Long> weightsByLayer = new LinkedHashMap<>();
        for (ParameterSpec parameter : lenet300.parameters()) {
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                weightsByLayer.put(parameter.layer(), (long) parameter.size());
            }
        }
        long parameters = lenet300.parameterCount();
        long compressed =
                weightsByLayer.values().stream().mapToLong(Long::longValue).sum();
        long uncompressedBits = 32 * (parameters - compressed);
        for (String method : List.of("dc", "lc")) {
            CellResult bits = ExperimentRunner.JSON.readValue(
                    output.resolve("cells")
                            .resolve("lenet300__auto@layer-bits1.5__" + method + "__seed1.json")
                            .toFile(),
                    CellResult.class);
            assertEquals("auto", bits.codebook(), method);
            assertEquals("bits=1.5", bits.sizeBudget(), method);
            assertEquals(method.equals("dc") ? 1 : 3, bits.iterations().size(), method);
            assertEquals(
                    List.copyOf(weightsByLayer.keySet()),
                    List.copyOf(bits.choices().keySet()),
                    method);
            long chosenBits = uncompressedBits;
            for (Map.Entry<String, String> choice : bits.choices().entrySet()) {
                assertTrue(
                        List.of("adaptive:2", "adaptive:4", "adaptive:8", "adaptive:16")
                                .contains(choice.getValue()),
                        method + ": " + bits.choices());
                chosenBits +=
                        CodebookSpecs.parse(choice.getValue(), null).storageBits(weightsByLayer.get(choice.getKey()));
            }
            // K = 2 everywhere fits with room to spare: some layer must take more
            assertTrue(
                    !bits.choices().values().stream().allMatch("adaptive:2"::equals), method + ": " + bits.choices());
            assertEquals(32.0 * parameters / chosenBits, bits.rho(), 1e-9, method + ": ρ is that of the choices");
            assertTrue(
                    bits.rho() >= 32.0 * parameters / (1.5 * compressed + uncompressedBits),
                    method + ": ρ " + bits.rho() + " within 1.5 bits per compressed weight");
            assertEquals(
                    (double) (chosenBits - uncompressedBits) / compressed, bits.meanBitsPerWeight(), 1e-12, method);
            assertTrue(bits.meanBitsPerWeight() <= 1.5, method + ": " + bits.meanBitsPerWeight());

            CellResult rho = ExperimentRunner.JSON.readValue(
                    output.resolve("cells")
                            .resolve("lenet300__auto-1,2,4@layer-rho20__" + method + "__seed1.json")
                            .toFile(),
                    CellResult.class);
            assertEquals("auto:1,2,4", rho.codebook(), method);
            assertEquals("rho=20", rho.sizeBudget(), method);
            assertTrue(rho.rho() >= 20, method + ": ρ " + rho.rho());
            assertEquals(3, rho.choices().size(), method + ": " + rho.choices());
            assertTrue(
                    List.of("adaptive:1", "adaptive:2", "adaptive:4")
                            .containsAll(rho.choices().values()),
                    method + ": " + rho.choices());
        }

        String results = Files.readString(summary.results());
        assertTrue(results.contains("Automatic allocation (`auto` entries)"), results);
        assertTrue(results.matches("(?s).*\\| auto;bits=1\\.5 \\| [0-9.]+(–[0-9.]+)? \\| .*"), results);
        assertTrue(
                results.matches("(?s).*\\| auto;bits=1\\.5 \\| LC \\| 1 \\| [0-9.]+ \\| [01]\\.[0-9]{3} \\| "
                        + "fc1:[0-9]+ fc2:[0-9]+ fc3:[0-9]+ \\| [0-9.]+ \\|.*"),
                results);
        assertTrue(
                results.matches(
                        "(?s).*\\| lenet300__auto@layer-bits1\\.5__dc__seed1 \\| [0-9.]+ \\| [01]\\.[0-9]{2} \\| 0 \\|.*"),
                "the cell table's bits: the mean of a mixed allocation");
        for (String plot : List.of("lenet300-error-vs-rho.png", "lenet300-error-vs-rho-allocation.png")) {
            assertTrue(results.contains("(plots/" + plot + ")"), plot);
            BufferedImage image =
                    ImageIO.read(output.resolve("plots").resolve(plot).toFile());
            assertNotNull(image, plot + " is not a PNG");
            assertEquals(900, image.getWidth());
        }
    }

    @Test
    void budgetsCrossEveryTrainingCellAndRenameOnlyTheirOwn() {
        GridSpec budgets = withBudgets(grid, List.of(1, 3));
        List<String> ids = ExperimentRunner.cells(budgets).stream()
                .map(ExperimentRunner.Cell::id)
                .toList();
        assertEquals(
                List.of(
                        "lenet300__float__reference__seed1",
                        "lenet300__adaptive-2@layer__dc__seed1",
                        "lenet300__adaptive-2@layer__idc__seed1",
                        "lenet300__adaptive-2@layer__ste__seed1",
                        "lenet300__adaptive-2@layer__qp__seed1",
                        "lenet300__adaptive-2@layer__lc__seed1",
                        "lenet300__adaptive-2@layer__idc__seed1__x3",
                        "lenet300__adaptive-2@layer__ste__seed1__x3",
                        "lenet300__adaptive-2@layer__qp__seed1__x3",
                        "lenet300__adaptive-2@layer__lc__seed1__x3"),
                ids);
        List<String> onlyThree = ExperimentRunner.cells(withBudgets(grid, List.of(3))).stream()
                .map(ExperimentRunner.Cell::id)
                .toList();
        assertTrue(onlyThree.contains("lenet300__adaptive-2@layer__dc__seed1"), onlyThree.toString());
        assertTrue(onlyThree.contains("lenet300__adaptive-2@layer__lc__seed1__x3"), onlyThree.toString());
        assertEquals(6, onlyThree.size(), onlyThree.toString());
    }

    static GridSpec withBudgets(GridSpec grid, List<Integer> budgets) {
        return new GridSpec(
                grid.name(),
                grid.data(),
                grid.backend(),
                grid.threads(),
                grid.seeds(),
                grid.methods(),
                grid.schedule(),
                budgets,
                grid.models());
    }

    @Test
    void everyCommittedGridReadsAndNamesItsCellsApart() throws Exception {
        try (Stream<Path> grids = Files.list(QUICK.getParent())) {
            for (Path file : grids.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                List<ExperimentRunner.Cell> cells = ExperimentRunner.cells(GridSpec.read(file));
                assertEquals(
                        cells.size(),
                        cells.stream().map(ExperimentRunner.Cell::id).distinct().count(),
                        file.toString());
            }
        }
    }

    @Test
    void missingBudgetsAndToleranceReadAsOneAndZero() {
        assertEquals(List.of(1), grid.budgets());
        assertEquals(0, grid.schedule().tolerance());
    }

    @Test
    void badBudgetsAndTolerancesAreNamedWithTheirValue(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("grid.yaml");
        for (String[] bad : new String[][] {
            {"budgets: [1, 0]", "budgets", "0"},
            {"budgets: [2, 2]", "budgets", "[2, 2]"},
            {"budgets: []", "budgets", "[]"},
            {"budgets: [1.5]", "budgets", "1.5"},
            {"schedule:\n  tolerance: 1.0", "schedule.tolerance", "1.0"},
            {"schedule:\n  tolerance: -0.1", "schedule.tolerance", "-0.1"},
        }) {
            String yaml = bad[0].startsWith("budgets")
                    ? Files.readString(QUICK).replace("methods:", bad[0] + "\nmethods:")
                    : Files.readString(QUICK).replace("schedule:", bad[0]);
            Files.writeString(file, yaml);
            InvalidInputException error = assertThrows(InvalidInputException.class, () -> GridSpec.read(file), bad[0]);
            assertTrue(
                    error.getMessage().contains(bad[1]) && error.getMessage().contains(bad[2]),
                    bad[0] + ": " + error.getMessage());
        }
    }

    @Test
    void anUnknownKeyIsNamedWithTheValidOnes(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("grid.yaml");
        Files.writeString(file, Files.readString(QUICK).replace("mu-steps: 2", "mu-stepz: 2"));
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> GridSpec.read(file));
        assertTrue(error.getMessage().contains("unknown key 'mu-stepz' at schedule"), error.getMessage());
        assertTrue(error.getMessage().contains("mu-steps"), error.getMessage());
        assertTrue(error.getMessage().contains("tolerance"), error.getMessage());
    }

    @Test
    void aBadMethodOrCodebookIsNamed(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("grid.json");
        Files.writeString(
                file,
                "{\"seeds\": [1], \"methods\": [\"lc\", \"sgd\"], \"schedule\": {\"mu0\": 0.01, \"mu-factor\": 1.1,"
                        + " \"mu-steps\": 2, \"epochs-per-step\": 1, \"lr\": 0.1, \"lr-decay\": 1, \"batch\": 10,"
                        + " \"momentum\": 0}, \"models\": []}");
        InvalidInputException method = assertThrows(InvalidInputException.class, () -> GridSpec.read(file));
        assertTrue(method.getMessage().contains("sgd"), method.getMessage());
        Files.writeString(
                file,
                Files.readString(file)
                        .replace("\"sgd\"", "\"dc\"")
                        .replace(
                                "\"models\": []",
                                "\"models\": [{\"name\": \"lenet300\", \"reference\": {\"epochs\": 1, \"lr\": 0.1, \"lr-decay\": 1,"
                                        + " \"batch\": 10, \"momentum\": 0}, \"codebooks\": [\"adaptive:2@diagonal\"]}]"));
        InvalidInputException granularity = assertThrows(InvalidInputException.class, () -> GridSpec.read(file));
        assertTrue(granularity.getMessage().contains("diagonal"), granularity.getMessage());
    }
}
