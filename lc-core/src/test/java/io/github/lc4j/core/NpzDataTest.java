package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.TrainTestSplit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzDataTest {
    @TempDir
    Path folder;

    /** One .npy array as NumPy writes it: dtype code, shape, little-endian values. */
    record Array(String descr, int[] shape, double[] values) {}

    static byte[] npy(Array array) throws IOException {
        StringBuilder shape = new StringBuilder("(");
        for (int dimension : array.shape()) {
            shape.append(dimension).append(", ");
        }
        String header = "{'descr': '" + array.descr() + "', 'fortran_order': False, 'shape': "
                + shape.toString().replaceAll(", $", array.shape().length == 1 ? "," : "") + "), }";
        header = header + " ".repeat((64 - (10 + header.length() + 1) % 64) % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >>> 8);
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        int width = Integer.parseInt(array.descr().substring(2));
        ByteBuffer buffer = ByteBuffer.allocate(array.values().length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (double value : array.values()) {
            switch (array.descr().substring(1)) {
                case "f4" -> buffer.putFloat((float) value);
                case "f8" -> buffer.putDouble(value);
                case "i8" -> buffer.putLong((long) value);
                case "i4" -> buffer.putInt((int) value);
                case "u1" -> buffer.put((byte) value);
                default -> throw new IllegalArgumentException(array.descr());
            }
        }
        out.write(buffer.array());
        return out.toByteArray();
    }

    Path npz(String name, Map<String, Array> arrays) throws IOException {
        Path file = folder.resolve(name);
        try (OutputStream stream = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(stream)) {
            for (Map.Entry<String, Array> entry : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey() + ".npy"));
                zip.write(npy(entry.getValue()));
                zip.closeEntry();
            }
        }
        return file;
    }

    static Map<String, Array> valid() {
        Map<String, Array> arrays = new LinkedHashMap<>();
        arrays.put(
                "x_train", new Array("<f4", new int[] {3, 2, 2}, new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
        arrays.put("y_train", new Array("<i8", new int[] {3}, new double[] {0, 2, 1}));
        arrays.put("x_test", new Array("<f4", new int[] {2, 2, 2}, new double[] {-1, -2, -3, -4, 5, 6, 7, 8}));
        arrays.put("y_test", new Array("|u1", new int[] {2}, new double[] {1, 0}));
        return arrays;
    }

    @Test
    void readsTheFourArraysAsTheyAre() throws IOException {
        TrainTestSplit split = DataSets.resolve(npz("data.npz", valid()).toString());
        assertEquals(3, split.train().size());
        assertArrayEquals(new int[] {2, 2}, split.train().sampleShape());
        assertEquals(2, split.train().label(1));
        assertEquals(1, split.test().label(0));
        assertArrayEquals(new float[] {-1, -2, -3, -4}, split.test().range(0, 1).inputs(), "not standardized");
    }

    private String rejection(Map<String, Array> arrays) throws IOException {
        Path file = npz("bad.npz", arrays);
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> DataSets.fromNpz(file));
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
        return error.getMessage();
    }

    @Test
    void namesWhatIsWrong() throws IOException {
        Map<String, Array> missing = valid();
        missing.remove("y_test");
        assertTrue(rejection(missing).contains("lacks [y_test]"));

        Map<String, Array> shortLabels = valid();
        shortLabels.put("y_train", new Array("<i8", new int[] {2}, new double[] {0, 1}));
        assertTrue(rejection(shortLabels).contains("y_train has shape [2]"));

        Map<String, Array> floatLabels = valid();
        floatLabels.put("y_test", new Array("<f4", new int[] {2}, new double[] {1, 0}));
        assertTrue(rejection(floatLabels).contains("labels must be integer"));

        Map<String, Array> negative = valid();
        negative.put("y_train", new Array("<i4", new int[] {3}, new double[] {0, -1, 1}));
        assertTrue(rejection(negative).contains("y_train[1] = -1"));

        Map<String, Array> integerInputs = valid();
        integerInputs.put("x_test", new Array("|u1", new int[] {2, 2, 2}, new double[8]));
        assertTrue(rejection(integerInputs).contains("inputs must be float32"));

        Map<String, Array> otherShape = valid();
        otherShape.put("x_test", new Array("<f4", new int[] {2, 4}, new double[8]));
        assertTrue(rejection(otherShape).contains("x_test samples [4]"));

        Map<String, Array> infinite = valid();
        infinite.put(
                "x_train",
                new Array("<f8", new int[] {3, 2, 2}, new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1e300}));
        assertTrue(rejection(infinite).contains("non-finite"));
    }

    @Test
    void aFileThatIsNoArchiveSaysSo() throws IOException {
        Path file = folder.resolve("text.npz");
        Files.writeString(file, "hello");
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> DataSets.fromNpz(file));
        assertTrue(error.getMessage().contains("lacks"), error.getMessage());
        assertTrue(assertThrows(InvalidInputException.class, () -> DataSets.fromNpz(folder.resolve("none.npz")))
                .getMessage()
                .contains("does not exist"));
    }
}
