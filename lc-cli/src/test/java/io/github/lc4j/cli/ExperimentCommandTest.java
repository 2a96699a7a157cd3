package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lc4j experiment}: --config is the grid, not option defaults; a bad grid exits 2 naming the key. */
class ExperimentCommandTest {
    static final Path QUICK = Path.of("..", "docs", "grids", "quick.yaml");

    @TempDir
    Path folder;

    @Test
    void reportOnlyWritesTheReportOfWhatIsFinishedAndRunsNothing() throws Exception {
        CliRunner result = CliRunner.run(
                "experiment", "--grid", QUICK.toString(), "--output-dir", folder.toString(), "--report-only");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(!result.err().contains("note:"), result.err());
        String results = Files.readString(folder.resolve("RESULTS.md"));
        assertTrue(results.contains("Finished: 0 of 6 cells; pending: lenet300__float__reference__seed1"), results);
        assertTrue(results.contains("lc4j experiment --grid " + QUICK + " --output-dir " + folder), results);
    }

    @Test
    void theOlderSpellingsStillWorkWithANoticeNamingTheNewOnes() throws Exception {
        CliRunner result = CliRunner.run(
                "experiment", "--config", QUICK.toString(), "--output", folder.toString(), "--report-only");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.err().contains("lc4j: note: --config is now --grid"), result.err());
        assertTrue(result.err().contains("lc4j: note: --output is now --output-dir"), result.err());
        assertTrue(Files.exists(folder.resolve("RESULTS.md")));
    }

    @Test
    void anUnknownGridKeyExits2NamingIt() throws Exception {
        Path grid = folder.resolve("grid.yaml");
        Files.writeString(grid, Files.readString(QUICK).replace("seeds:", "seedz:"));
        CliRunner result = CliRunner.run(
                "experiment",
                "--config",
                grid.toString(),
                "--output",
                folder.resolve("out").toString());
        assertEquals(Lc4jCommand.BAD_INPUT, result.exitCode(), result.err());
        assertTrue(result.err().contains("unknown key 'seedz' at the top level"), result.err());
        assertTrue(result.err().contains("seeds"), result.err());
    }
}
