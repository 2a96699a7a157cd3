package io.github.lc4j.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.zoo.ModelZoo;
import io.github.lc4j.examples.QuickStart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java section is the compiled {@link QuickStart}, line for line, and it runs. */
class ReadmeSnippetIT {
    static final String MARKER =
            "<!-- java-snippet: examples/src/main/java/io/github/lc4j/examples/QuickStart.java -->";

    @Test
    void theReadmeShowsTheCompiledQuickStart() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
        int marker = readme.indexOf(MARKER);
        assertTrue(marker >= 0, "README.md lost the marker " + MARKER);
        assertEquals("```java", readme.get(marker + 1).strip(), "a java code block must follow the marker");
        List<String> shown = new ArrayList<>();
        for (int i = marker + 2; !readme.get(i).strip().equals("```"); i++) {
            shown.add(readme.get(i).strip());
        }
        List<String> compiled = new ArrayList<>();
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of(
                "..", "examples", "src", "main", "java", "io", "github", "lc4j", "examples", "QuickStart.java"))) {
            if (line.strip().equals("// README snippet end")) {
                inside = false;
            }
            if (inside) {
                compiled.add(line.strip());
            }
            if (line.strip().equals("// README snippet start")) {
                inside = true;
            }
        }
        assertEquals(
                String.join("\n", compiled),
                String.join("\n", shown),
                "README.md's Java section differs from QuickStart.java between its snippet markers; copy it over");
    }

    @Test
    void theQuickStartRuns(@TempDir Path folder) {
        LcResult result = QuickStart.run(1, LcListener.NONE, folder.resolve("q.npz"));
        assertEquals(LcResult.StopReason.CONVERGED, result.stop(), "the quick start's schedule converges");
        assertTrue(
                result.history().size() <= 31,
                "DC plus at most 30 LC iterations: " + result.history().size());
        assertEquals(result.quantized(), Lc4j.readWeights(folder.resolve("q.npz"), ModelZoo.lenet300Tanh()));
    }
}
