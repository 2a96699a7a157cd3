package io.github.lc4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyArrayTest {
    private static byte[] bytes(NpyArray array) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        array.write(out);
        return out.toByteArray();
    }

    @Test
    void roundTripsBothDtypesAndAlignsTheHeader() throws IOException {
        NpyArray floats = NpyArray.ofFloats(new int[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-8f, -7});
        byte[] written = bytes(floats);
        int headerLength = (written[8] & 0xff) | (written[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLength) % 64, "data must start on a 64-byte boundary");
        NpyArray read = NpyArray.read(new ByteArrayInputStream(written), "test");
        assertArrayEquals(new int[] {2, 3}, read.shape());
        assertArrayEquals(floats.values(), read.values());
        assertEquals(NpyArray.DType.FLOAT32, read.dtype());

        NpyArray doubles = new NpyArray(new int[] {4}, new double[] {Math.PI, -1, 0, 1e300}, NpyArray.DType.FLOAT64);
        NpyArray back = NpyArray.read(new ByteArrayInputStream(bytes(doubles)), "test");
        assertArrayEquals(doubles.values(), back.values());
        assertEquals(NpyArray.DType.FLOAT64, back.dtype());
    }

    @Test
    void badFilesAreRejectedWithTheReason() throws IOException {
        byte[] good = bytes(NpyArray.ofFloats(new int[] {3}, new float[] {1, 2, 3}));
        InvalidInputException truncated = assertThrows(
                InvalidInputException.class,
                () -> NpyArray.read(new ByteArrayInputStream(Arrays.copyOf(good, good.length - 2)), "w.npy"));
        assertTrue(truncated.getMessage().contains("w.npy")
                && truncated.getMessage().contains("truncated"));
        byte[] integers = new String(good, StandardCharsets.ISO_8859_1)
                .replace("<f4", "<c8")
                .getBytes(StandardCharsets.ISO_8859_1);
        InvalidInputException dtype = assertThrows(
                InvalidInputException.class, () -> NpyArray.read(new ByteArrayInputStream(integers), "w.npy"));
        assertTrue(dtype.getMessage().contains("<c8"), dtype.getMessage());
        byte[] fortran = new String(good, StandardCharsets.ISO_8859_1)
                .replace("False", "True ")
                .getBytes(StandardCharsets.ISO_8859_1);
        InvalidInputException order = assertThrows(
                InvalidInputException.class, () -> NpyArray.read(new ByteArrayInputStream(fortran), "w.npy"));
        assertTrue(order.getMessage().contains("Fortran"), order.getMessage());
        assertThrows(
                InvalidInputException.class,
                () -> NpyArray.read(new ByteArrayInputStream("hello".getBytes(StandardCharsets.UTF_8)), "w.npy"));
    }

    @Test
    void weightsFileRoundTripsAndChecksTheModel(@TempDir Path folder) throws IOException {
        ModelSpec model = ModelZoo.lenet300Relu();
        Weights weights = WeightInitializer.initialize(model, 9);
        Path file = folder.resolve("w.npz");
        WeightsFile.write(file, model, weights);
        assertEquals(weights, WeightsFile.read(file, model));
        try (var listing = Files.list(folder)) {
            assertEquals(1, listing.count(), "no temporary file may remain");
        }
        InvalidInputException wrongModel =
                assertThrows(InvalidInputException.class, () -> WeightsFile.read(file, ModelZoo.lenet5()));
        assertTrue(wrongModel.getMessage().contains("lenet5"), wrongModel.getMessage());
        Path garbage = folder.resolve("garbage.npz");
        Files.writeString(garbage, "not a zip");
        assertThrows(InvalidInputException.class, () -> WeightsFile.read(garbage, model));
        assertThrows(InvalidInputException.class, () -> WeightsFile.read(folder.resolve("missing.npz"), model));
    }

    @Test
    void failedWriteLeavesNoFile(@TempDir Path folder) {
        Path target = folder.resolve("out.bin");
        assertThrows(
                IllegalStateException.class,
                () -> AtomicFiles.write(target, out -> {
                    out.write(1);
                    throw new IllegalStateException("boom");
                }));
        assertTrue(Files.notExists(target));
        assertEquals(0, folder.toFile().list().length, "the temporary file must be removed");
    }

    @Test
    void writtenFilesAreReadableByOthersOrKeepTheReplacedFilesPermissions(@TempDir Path folder) throws IOException {
        Path fresh = folder.resolve("fresh.bin");
        AtomicFiles.write(fresh, out -> out.write(1));
        assertEquals(
                "rw-r--r--",
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        Files.setPosixFilePermissions(fresh, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
        AtomicFiles.write(fresh, out -> out.write(2));
        assertEquals(
                "rw-rw----",
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        assertEquals(2, Files.readAllBytes(fresh)[0]);
    }

    @Test
    void floatsReadStraightFromTheStreamAsTheDoublesRoundThemAcrossBlocks() throws IOException {
        int count = 5 * 209_716; // 1,048,580: past one block (2^20) of the streaming reader
        double[] values = new double[count];
        java.util.SplittableRandom random = new java.util.SplittableRandom(9);
        for (int i = 0; i < count; i++) {
            values[i] = random.nextGaussian() * 1e3;
        }
        for (NpyArray.DType dtype : new NpyArray.DType[] {NpyArray.DType.FLOAT32, NpyArray.DType.FLOAT64}) {
            byte[] file = bytes(new NpyArray(new int[] {5, count / 5}, values, dtype));
            NpyArray.Floats floats = NpyArray.readFloats(new ByteArrayInputStream(file), "f.npy");
            assertArrayEquals(new int[] {5, count / 5}, floats.shape());
            assertEquals(dtype, floats.dtype());
            assertArrayEquals(
                    NpyArray.read(new ByteArrayInputStream(file), "f.npy").toFloats(), floats.values(), dtype.name());
        }
    }

    @Test
    void floatsAreNotCappedAtTwoGibibytesOfBytesButATruncatedFileIsStillOneError() throws IOException {
        // a header for 600,000,000 float32 values (2.4 GB) and no data: read() refuses the size, while
        // readFloats() takes it and fails only on the missing data, having allocated one block
        String dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': (600000000,), }";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        String padded = dictionary + " ".repeat(118 - dictionary.length()) + "\n";
        out.write(padded.length() & 0xff);
        out.write(padded.length() >> 8);
        out.write(padded.getBytes(StandardCharsets.ISO_8859_1));
        out.write(new byte[64]);
        byte[] file = out.toByteArray();
        InvalidInputException capped = assertThrows(
                InvalidInputException.class, () -> NpyArray.read(new ByteArrayInputStream(file), "big.npy"));
        assertTrue(capped.getMessage().contains("holds more than"), capped.getMessage());
        InvalidInputException truncated = assertThrows(
                InvalidInputException.class, () -> NpyArray.readFloats(new ByteArrayInputStream(file), "big.npy"));
        assertTrue(truncated.getMessage().contains("big.npy is truncated"), truncated.getMessage());
    }
}
