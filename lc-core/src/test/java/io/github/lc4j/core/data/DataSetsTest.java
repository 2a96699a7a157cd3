package io.github.lc4j.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.core.Minibatches;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetsTest {
    @Test
    void embeddedSampleIsSplitDeterministically() {
        TrainTestSplit first = DataSets.embeddedFashionMnist();
        TrainTestSplit second = DataSets.embeddedFashionMnist();
        assertEquals(8000, first.train().size());
        assertEquals(2000, first.test().size());
        assertEquals(10, first.train().classCount());
        assertArrayEquals(new int[] {1, 28, 28}, first.train().sampleShape());
        assertArrayEquals(
                first.test().range(0, 5).inputs(), second.test().range(0, 5).inputs());
        double[] statistics = first.train().meanAndStandardDeviation();
        assertEquals(0, statistics[0], 1e-4, "training inputs are centred");
        assertEquals(1, statistics[1], 1e-4, "training inputs have unit deviation");
    }

    private static byte[] idx(int magic, int[] dimensions, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int dimension : dimensions) {
            out.writeInt(dimension);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    private static void writeSet(Path folder, String prefix, int count, boolean compress) throws IOException {
        byte[] pixels = new byte[count * 4];
        byte[] labels = new byte[count];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 37);
        }
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) (i % 3);
        }
        byte[] images = idx(0x803, new int[] {count, 2, 2}, pixels);
        byte[] labelFile = idx(0x801, new int[] {count}, labels);
        String suffix = compress ? ".gz" : "";
        Files.write(folder.resolve(prefix + "-images-idx3-ubyte" + suffix), compress ? gzip(images) : images);
        Files.write(folder.resolve(prefix + "-labels-idx1-ubyte" + suffix), compress ? gzip(labelFile) : labelFile);
    }

    @Test
    void readsRawAndGzipIdxDirectories(@TempDir Path folder) throws IOException {
        writeSet(folder, "train", 12, true);
        writeSet(folder, "t10k", 6, false);
        TrainTestSplit split = DataSets.fromIdxDirectory(folder);
        assertEquals(12, split.train().size());
        assertEquals(6, split.test().size());
        assertEquals(2, split.test().label(5));
        IdxReader.Images raw = IdxReader.readImages(folder.resolve("t10k-images-idx3-ubyte"));
        assertEquals((37 & 0xff) / 255f, raw.pixels()[1], 0);
    }

    @Test
    void missingTruncatedAndWrongFilesAreNamed(@TempDir Path folder) throws IOException {
        InvalidInputException missing =
                assertThrows(InvalidInputException.class, () -> DataSets.fromIdxDirectory(folder.resolve("nope")));
        assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
        writeSet(folder, "train", 12, false);
        InvalidInputException noTest =
                assertThrows(InvalidInputException.class, () -> DataSets.fromIdxDirectory(folder));
        assertTrue(noTest.getMessage().contains("t10k-images-idx3-ubyte"), noTest.getMessage());

        Path images = folder.resolve("train-images-idx3-ubyte");
        byte[] whole = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(whole, whole.length - 5));
        InvalidInputException truncated = assertThrows(InvalidInputException.class, () -> IdxReader.readImages(images));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());

        InvalidInputException wrongKind = assertThrows(
                InvalidInputException.class, () -> IdxReader.readImages(folder.resolve("train-labels-idx1-ubyte")));
        assertTrue(wrongKind.getMessage().contains("not an idx3"), wrongKind.getMessage());

        Path corrupt = folder.resolve("corrupt.gz");
        Files.write(corrupt, Arrays.copyOf(gzip(whole), 30));
        assertThrows(InvalidInputException.class, () -> IdxReader.readImages(corrupt));
    }

    @Test
    void minibatchOrderDependsOnSeedAndEpochOnly() {
        TrainTestSplit data = DataSets.embeddedFashionMnist();
        Minibatches first = new Minibatches(data.train(), 256, 7);
        Minibatches second = new Minibatches(data.train(), 256, 7);
        assertEquals(32, first.batchesPerEpoch());
        assertArrayEquals(first.epochIndices(3).get(5), second.epochIndices(3).get(5));
        assertNotEquals(
                Arrays.toString(first.epochIndices(3).get(0)),
                Arrays.toString(first.epochIndices(4).get(0)));
        int[] seen = new int[data.train().size()];
        first.epochIndices(0).forEach(batch -> Arrays.stream(batch).forEach(i -> seen[i]++));
        assertTrue(Arrays.stream(seen).allMatch(count -> count == 1), "an epoch visits every sample once");
    }
}
