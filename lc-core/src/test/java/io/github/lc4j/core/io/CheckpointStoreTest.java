package io.github.lc4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.IterationRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint files round-trip exactly, damage is named, and the store falls back to the previous file. */
class CheckpointStoreTest {
    @TempDir
    Path folder;

    static Checkpoint checkpoint(int iteration) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("seed", 1);
        settings.put("muSchedule", List.of(0.005, 0.0055));
        settings.put("method", "lc");
        Map<String, float[]> weights = new LinkedHashMap<>();
        weights.put("d.weight", new float[] {0.25f, -1.5f, Float.MIN_VALUE, 3e-12f});
        weights.put("d.bias", new float[] {iteration});
        Map<String, float[]> momentum = new LinkedHashMap<>();
        momentum.put("d.weight", new float[] {0.5f, 0, -0f, 1e30f});
        momentum.put("d.bias", new float[] {-2});
        Checkpoint.Group group = new Checkpoint.Group(
                "d",
                new float[] {0.1f, 0.2f, 0.3f, 0.4f},
                new float[] {-1, 1},
                Double.NaN,
                new int[] {0, 1, 1, 0},
                new float[] {-1, 1, 1, -1},
                4.25,
                "adaptive:2");
        IterationRecord record = new IterationRecord(
                0,
                0,
                0,
                Double.NaN,
                1.5,
                0,
                3,
                -1,
                new Evaluation(0.7, 3, 10),
                Evaluation.empty(),
                Map.of("d", new float[] {-1, 1}),
                Map.of(),
                31.5,
                0,
                12,
                30,
                3);
        return new Checkpoint(
                settings,
                new Checkpoint.Position(true, iteration, 1, 7, 19, 12.375),
                weights,
                momentum,
                List.of(group),
                List.of(record));
    }

    @Test
    void aCheckpointReadsBackExactly() {
        CheckpointStore store = new CheckpointStore(folder);
        Checkpoint written = checkpoint(3);
        Path file = store.write(written);
        Checkpoint read = Checkpoint.read(file);
        assertEquals(written.position(), read.position());
        assertTrue(
                read.differencesFrom(written.settings()).isEmpty(),
                read.differencesFrom(written.settings()).toString());
        for (String name : written.weights().keySet()) {
            assertArrayEquals(written.weights().get(name), read.weights().get(name), 0f, name);
            assertArrayEquals(written.momentum().get(name), read.momentum().get(name), 0f, name);
        }
        Checkpoint.Group group = read.groups().get(0);
        assertArrayEquals(new int[] {0, 1, 1, 0}, group.assignments());
        assertTrue(Double.isNaN(group.scale()));
        assertEquals(4.25, group.distortion());
        IterationRecord record = read.history().get(0);
        assertTrue(Double.isNaN(record.lStepLoss()));
        assertEquals(new Evaluation(0.7, 3, 10), record.train());
        assertArrayEquals(new float[] {-1, 1}, record.codebooks().get("d"), 0f);
    }

    @Test
    void differencesNameEverySettingThatChanged() {
        Map<String, Object> now = new LinkedHashMap<>(checkpoint(1).settings());
        now.put("seed", 2);
        now.remove("method");
        now.put("backend", "nd4j");
        List<String> differences = checkpoint(1).differencesFrom(now);
        assertEquals(
                List.of(
                        "seed: checkpoint 1, this run 2",
                        "method: checkpoint \"lc\", this run (none)",
                        "backend: checkpoint (none), this run \"nd4j\""),
                differences);
    }

    @Test
    void theTwoNewestAreKeptAndLeftoversOfAKilledWriteAreRemoved() throws Exception {
        CheckpointStore store = new CheckpointStore(folder);
        Files.write(folder.resolve(".checkpoint-000002.lc4j123.partial"), new byte[] {1, 2, 3});
        for (int i = 1; i <= 4; i++) {
            store.write(checkpoint(i));
        }
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(
                    List.of("checkpoint-000003.lc4j", "checkpoint-000004.lc4j"),
                    files.map(path -> path.getFileName().toString()).sorted().toList());
        }
        assertEquals(4, store.readLatest().checkpoint().position().iteration());
        assertEquals(
                5,
                Integer.parseInt(new CheckpointStore(folder)
                        .write(checkpoint(5))
                        .getFileName()
                        .toString()
                        .substring(11, 17)));
    }

    @Test
    void aTruncatedNewestCheckpointIsNamedAndThePreviousOneUsed() throws Exception {
        CheckpointStore store = new CheckpointStore(folder);
        store.write(checkpoint(1));
        Path newest = store.write(checkpoint(2));
        byte[] bytes = Files.readAllBytes(newest);
        // what a crash in the middle of the write would leave if the file were written in place
        Files.write(newest, Arrays.copyOf(bytes, bytes.length / 2));
        CheckpointStore.Loaded loaded = new CheckpointStore(folder).readLatest();
        assertEquals(1, loaded.checkpoint().position().iteration());
        assertEquals(1, loaded.skipped().size());
        assertTrue(
                loaded.skipped().get(0).contains(newest.toString()),
                loaded.skipped().toString());
        assertTrue(
                loaded.skipped().get(0).contains("truncated"), loaded.skipped().toString());
    }

    @Test
    void aFlippedByteIsCaughtByTheChecksums() throws Exception {
        CheckpointStore store = new CheckpointStore(folder);
        Path only = store.write(checkpoint(1));
        byte[] bytes = Files.readAllBytes(only);
        // inside the first entry's data: the zip CRC or the SHA-256 must catch it
        bytes[120] ^= 0x10;
        Files.write(only, bytes);
        InvalidInputException error = assertThrows(InvalidInputException.class, store::readLatest);
        assertTrue(error.getMessage().contains("no intact checkpoint"), error.getMessage());
        assertTrue(error.getMessage().contains("corrupt"), error.getMessage());
    }

    @Test
    void anEmptyFolderSaysHowToStart() {
        InvalidInputException error =
                assertThrows(InvalidInputException.class, () -> new CheckpointStore(folder).readLatest());
        assertTrue(error.getMessage().contains("--checkpoint"), error.getMessage());
    }
}
