package io.github.lc4j.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.BitBudget;
import io.github.lc4j.api.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A grid's codebook entries, {@code SPEC[@GRANULARITY][;bits=B | ;rho=R]}: what they read as, the
 * cell ids they give (old entries' ids unchanged), and the errors bad ones get.
 */
class GridSpecTest {

    @Test
    void anEntryReadsAsSpecGranularityAndSizeBudget() {
        GridSpec.CodebookEntry plain = GridSpec.CodebookEntry.parse("adaptive:2");
        assertEquals(new GridSpec.CodebookEntry("adaptive:2", "layer", null), plain);
        assertFalse(plain.chooses());
        assertNull(plain.sizeBudgetText());

        assertEquals(
                new GridSpec.CodebookEntry("adaptive:2", "shared", null),
                GridSpec.CodebookEntry.parse("adaptive:2@shared"));
        assertEquals(
                new GridSpec.CodebookEntry("auto", "layer", BitBudget.compressionRatio(30.5)),
                GridSpec.CodebookEntry.parse("auto;rho=30.5"));
        assertEquals(
                new GridSpec.CodebookEntry("auto", "layer", BitBudget.bitsPerWeight(1)),
                GridSpec.CodebookEntry.parse("auto;bits=1"));
        GridSpec.CodebookEntry channels = GridSpec.CodebookEntry.parse("auto:1,2,4,8@channel;bits=2");
        assertEquals(new GridSpec.CodebookEntry("auto:1,2,4,8", "channel", BitBudget.bitsPerWeight(2)), channels);
        assertTrue(channels.chooses());
        assertEquals("bits=2", channels.sizeBudgetText());
        assertEquals("auto:1,2,4,8@channel;bits=2", channels.toString());
        assertEquals(
                new GridSpec.CodebookEntry(
                        "auto:scaled-binary|scaled-ternary", "layer", BitBudget.compressionRatio(16)),
                GridSpec.CodebookEntry.parse(" auto:scaled-binary|scaled-ternary @ Layer ; rho = 16.0 "),
                "spaces around the parts and the granularity's case do not matter");
    }

    @Test
    void perLayerOverridesFollowTheBudgetAndNameTheirOwnCells() {
        GridSpec.CodebookEntry entry = GridSpec.CodebookEntry.parse("auto;rho=30;fc3=float;fc1=adaptive:2");
        assertEquals(BitBudget.compressionRatio(30), entry.sizeBudget());
        assertEquals(java.util.Map.of("fc3", "float", "fc1", "adaptive:2"), entry.layers());
        assertEquals("auto@layer;rho=30;fc3=float;fc1=adaptive:2", entry.toString());
        assertEquals("auto@layer-rho30+fc3-float+fc1-adaptive-2", entry.idPart());
        GridSpec.CodebookEntry fixed = GridSpec.CodebookEntry.parse("adaptive:2;fc3=float");
        assertEquals("adaptive-2@layer+fc3-float", fixed.idPart());
        assertEquals(
                "adaptive-2@layer", GridSpec.CodebookEntry.parse("adaptive:2").idPart());
    }

    @Test
    void aSizeBudgetJoinsTheCellIdFileNameSafely() {
        assertEquals(
                "auto@layer-rho30.5",
                GridSpec.CodebookEntry.parse("auto;rho=30.5").idPart());
        assertEquals(
                "auto@layer-bits1", GridSpec.CodebookEntry.parse("auto;bits=1").idPart());
        assertEquals(
                "auto@layer-bits1",
                GridSpec.CodebookEntry.parse("auto;bits=1.00").idPart());
        assertEquals(
                "auto@layer-bits0.5",
                GridSpec.CodebookEntry.parse("auto;bits=.5").idPart());
        assertEquals(
                "auto-1,2,4,8@channel-bits2",
                GridSpec.CodebookEntry.parse("auto:1,2,4,8@channel;bits=2").idPart());
        assertEquals(
                "auto-scaled-binary-scaled-ternary@shared-rho16",
                GridSpec.CodebookEntry.parse("auto:scaled-binary|scaled-ternary@shared;rho=16")
                        .idPart());
        assertEquals(
                "lenet300__auto@layer-rho30.5__dc__seed1",
                new ExperimentRunner.Cell("lenet300", "auto;rho=30.5", "dc", 1, 1).id());
        assertEquals(
                "lenet300__auto@layer-bits1__lc__seed2__x3",
                new ExperimentRunner.Cell("lenet300", "auto;bits=1", "lc", 2, 3).id());
    }

    /** The committed results are found again by id: every committed cell file is a cell of its grid. */
    @Test
    void entriesWithoutASizeBudgetKeepTheirCellIds() throws Exception {
        GridSpec grid = GridSpec.read(Path.of("..", "docs", "grids", "fashion-mnist.yaml"));
        Set<String> ids = ExperimentRunner.cells(grid).stream()
                .map(ExperimentRunner.Cell::id)
                .collect(Collectors.toSet());
        List<String> committed;
        try (Stream<Path> files = Files.list(Path.of("..", "docs", "results", "cells"))) {
            committed = files.map(file -> file.getFileName().toString().replaceAll("\\.json$", ""))
                    .toList();
        }
        assertTrue(committed.size() > 50, committed.toString());
        for (String id : committed) {
            assertTrue(ids.contains(id), id + " is no longer a cell of docs/grids/fashion-mnist.yaml");
        }
        for (String id : List.of(
                "lenet300__float__reference__seed1",
                "lenet300__adaptive-2@layer__lc__seed1",
                "lenet300__adaptive-2@channel__dc__seed1",
                "lenet300__adaptive-4@shared__ste__seed1",
                "lenet300__scaled-pow2-2@layer__qp__seed1")) {
            assertTrue(ids.contains(id), id);
        }
    }

    @Test
    void everyMethodOfAChoosingEntryGetsItsCellDcIncluded(@TempDir Path folder) throws Exception {
        GridSpec grid = GridSpec.read(quickWith(folder, "[adaptive:2, \"auto;bits=1\", \"auto:1,2,4;rho=20\"]"));
        List<String> ids = ExperimentRunner.cells(grid).stream()
                .map(ExperimentRunner.Cell::id)
                .toList();
        for (String method : List.of("dc", "idc", "ste", "qp", "lc")) {
            assertTrue(ids.contains("lenet300__auto@layer-bits1__" + method + "__seed1"), method + " in " + ids);
            assertTrue(ids.contains("lenet300__auto-1,2,4@layer-rho20__" + method + "__seed1"), method + " in " + ids);
            assertTrue(ids.contains("lenet300__adaptive-2@layer__" + method + "__seed1"), method + " in " + ids);
        }
        assertEquals(16, ids.size(), "the reference and 3 entries × 5 methods: " + ids);
    }

    @Test
    void aBadEntryIsOneErrorNamingItAndWhatIsWrong(@TempDir Path folder) throws Exception {
        for (String[] bad : new String[][] {
            {"auto", "needs a size budget"},
            {"auto:1,2,4@channel", "needs a size budget"},
            {"adaptive:2;bits=1", "needs a spec that chooses"},
            {"scaled-ternary@shared;rho=20", "needs a spec that chooses"},
            {"auto;bits=0", "(0, 32]"},
            {"auto;bits=33", "(0, 32]"},
            {"auto;rho=0.5", ">= 1"},
            {"auto;bits=abc", "decimal number"},
            {"auto;rho=NaN", "decimal number"},
            {"auto;rho=1e3", "decimal number"},
            {"auto;rho=-2", "decimal number"},
            {"auto;bits=", "decimal number"},
            {"auto;bits=1;rho=30", "bits=B or rho=R"},
            {"auto;kbits=1", "needs a size budget"},
            {"adaptive:2;fc9=float", "fc1, fc2, fc3"},
            {"adaptive:2;fc1=nope", "--layer fc1=nope"},
            {"adaptive:2;fc1=float;fc1=adaptive:4", "given twice"},
            {"auto;", "bits=B or rho=R"},
            {"auto@diagonal;bits=1", "granularity must be one of"},
            {"auto:3,x;bits=1", "auto:3,x"},
        }) {
            Path file = quickWith(folder, "[\"" + bad[0] + "\"]");
            InvalidInputException error = assertThrows(InvalidInputException.class, () -> GridSpec.read(file), bad[0]);
            assertTrue(error.getMessage().contains("codebook '" + bad[0] + "'"), bad[0] + ": " + error.getMessage());
            assertTrue(error.getMessage().contains(bad[1]), bad[0] + ": " + error.getMessage());
            assertTrue(error.getMessage().contains("models[0]"), bad[0] + ": " + error.getMessage());
        }
    }

    @Test
    void twoEntriesThatWouldNameTheSameCellsAreAnError(@TempDir Path folder) throws Exception {
        for (String twice : List.of("[\"auto;bits=1\", \"auto;bits=1.0\"]", "[adaptive:2, adaptive:2@layer]")) {
            Path file = quickWith(folder, twice);
            InvalidInputException error = assertThrows(InvalidInputException.class, () -> GridSpec.read(file), twice);
            assertTrue(error.getMessage().contains("are the same entry"), twice + ": " + error.getMessage());
        }
        assertEquals(
                2,
                GridSpec.read(quickWith(folder, "[\"auto;bits=1\", \"auto;rho=1\"]"))
                        .models()
                        .get(0)
                        .codebooks()
                        .size(),
                "the same number as bits and as ρ are two budgets");
    }

    /** The quick grid with {@code codebooks} (a YAML flow list) for its model. */
    static Path quickWith(Path folder, String codebooks) throws Exception {
        Path file = folder.resolve("grid.yaml");
        String quick = Files.readString(ExperimentRunnerTest.QUICK);
        assertTrue(quick.contains("codebooks: [adaptive:2]"), "the quick grid changed: adapt this test");
        Files.writeString(file, quick.replace("codebooks: [adaptive:2]", "codebooks: " + codebooks));
        return file;
    }
}
