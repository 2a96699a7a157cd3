package io.github.lc4j.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A cell's choices, compactly, and its JSON with and without the fields automatic allocation added. */
class CellResultTest {

    @Test
    void theAllocationIsOneWordPerLayerWithKOrTheCodebook() {
        Map<String, String> perLayer = new LinkedHashMap<>();
        perLayer.put("fc1", "adaptive:2");
        perLayer.put("fc2", "adaptive:4");
        perLayer.put("fc3", "adaptive:16");
        assertEquals("fc1:2 fc2:4 fc3:16", chosen(perLayer).allocation(), "in the tasks' order");

        assertEquals("shared:8", chosen(Map.of("shared", "adaptive:8")).allocation());
        Map<String, String> scaled = new LinkedHashMap<>();
        scaled.put("conv1", "scaled-binary");
        scaled.put("conv2", "scaled-ternary");
        assertEquals("conv1:scaled-binary conv2:scaled-ternary", chosen(scaled).allocation());

        Map<String, String> perChannel = new LinkedHashMap<>();
        for (int channel = 0; channel < 5; channel++) {
            perChannel.put("fc1[" + channel + "]", channel < 3 ? "adaptive:16" : "adaptive:2");
        }
        perChannel.put("fc2[0]", "adaptive:4");
        perChannel.put("fc2[1]", "adaptive:4");
        assertEquals(
                "fc1:2×2,16×3 fc2:4",
                chosen(perChannel).allocation(),
                "channels that differ: each K with its channel count, smaller K first");
        assertEquals(
                "", PlotsTest.cell("adaptive:2", "layer", "lc", 30.5, 0.1, 1, 1).allocation());
    }

    @Test
    void choicesAndSizeBudgetRoundTripAndOlderFilesReadAsChoosingNothing() throws Exception {
        Map<String, String> choices = new LinkedHashMap<>();
        choices.put("fc3", "adaptive:1");
        choices.put("fc1", "adaptive:2");
        CellResult written = PlotsTest.chosen("auto", "bits=1", choices, "lc", 31.0, 0.14);
        CellResult read = ExperimentRunner.JSON.readValue(ExperimentRunner.bytes(written), CellResult.class);
        assertEquals(written.choices(), read.choices());
        assertEquals(List.of("fc3", "fc1"), List.copyOf(read.choices().keySet()), "the tasks' order kept");
        assertEquals("bits=1", read.sizeBudget());
        assertEquals(32 / 31.0, read.meanBitsPerWeight(), 1e-15);
        assertTrue(read.chooses());

        ObjectNode old = (ObjectNode) ExperimentRunner.JSON.readTree(
                ExperimentRunner.bytes(PlotsTest.cell("adaptive:2", "layer", "lc", 30.5, 0.15, 1, 2)));
        old.remove(List.of("meanBitsPerWeight", "sizeBudget", "choices"));
        CellResult older = ExperimentRunner.JSON.treeToValue(old, CellResult.class);
        assertFalse(older.chooses());
        assertNull(older.sizeBudget());
        assertEquals(Map.of(), older.choices());
        assertEquals(0, older.meanBitsPerWeight(), "not recorded");
        assertEquals(1, older.bitsPerWeight());
    }

    private static CellResult chosen(Map<String, String> choices) {
        return PlotsTest.chosen("auto", "bits=2", choices, "lc", 16, 0.1);
    }
}
