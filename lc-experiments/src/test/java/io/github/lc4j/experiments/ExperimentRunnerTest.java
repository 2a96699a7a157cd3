package io.github.lc4j.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.TrainTestSplit;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The committed quick grid runs end to end, is not run twice, and restarts a damaged cell cleanly. */
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
                "lenet300-loss-per-iteration.png",
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
    void anUnknownKeyIsNamedWithTheValidOnes(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("grid.yaml");
        Files.writeString(file, Files.readString(QUICK).replace("mu-steps: 2", "mu-stepz: 2"));
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> GridSpec.read(file));
        assertTrue(error.getMessage().contains("unknown key 'mu-stepz' at schedule"), error.getMessage());
        assertTrue(error.getMessage().contains("mu-steps"), error.getMessage());
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
