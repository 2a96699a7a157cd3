package io.github.lc4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the scale-out report: a smoke run into a temporary file in the test suite, the full
 * measurement into {@code -Dlc4j.scaleOut.output=FILE}.
 */
class ScaleOutReportTest {

    @Test
    void reportsEveryModeOnOneAndTwoExecutors(@TempDir Path folder) throws Exception {
        String output = System.getProperty("lc4j.scaleOut.output");
        boolean smoke = output == null;
        Path file = smoke ? folder.resolve("SCALE-OUT.md") : Path.of(output);
        String page = ScaleOutReport.write(file, smoke);
        assertEquals(page, Files.readString(file));
        long rows = page.lines()
                .filter(line -> line.matches("\\| [12] \\| (sync|average, k = \\d+) \\|.*"))
                .count();
        assertEquals(8, rows, page);
        assertTrue(page.contains("| 1 | sync |"), page);
    }
}
