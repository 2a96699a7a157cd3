package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.lc4j.core.io.NpyArray;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.opentest4j.AssertionFailedError;

class QuantizeWeightsTest {
    @TempDir
    Path folder;

    private Path write(String name, NpyArray array) throws IOException {
        Path file = folder.resolve(name);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        array.write(bytes);
        Files.write(file, bytes.toByteArray());
        return file;
    }

    private static NpyArray gaussian(int[] shape, NpyArray.DType dtype) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        SplittableRandom random = new SplittableRandom(4);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextGaussian() * 0.1;
        }
        return new NpyArray(shape, values, dtype);
    }

    private static NpyArray read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return NpyArray.read(in, file.toString());
        }
    }

    @ParameterizedTest
    @CsvSource({
        "adaptive:8, 8",
        "adaptive:4:lloyd, 4",
        "adaptive:3:exact, 3",
        "binary, 2",
        "ternary, 3",
        "scaled-binary, 2",
        "scaled-ternary, 3",
        "pow2:3, 9",
        "scaled-pow2:2, 7",
        "'scaled:-3,-1,1,3', 4",
        "'fixed:-0.1,0,0.1', 3",
        "partial:0+2, 3"
    })
    void everyCodebookKeepsShapeAndDtypeAndLandsOnItsValues(String spec, int size) throws IOException {
        for (NpyArray.DType dtype : List.of(NpyArray.DType.FLOAT32, NpyArray.DType.FLOAT64)) {
            NpyArray input = gaussian(new int[] {30, 20}, dtype);
            Path file = write("w-" + dtype + ".npy", input);
            Path output = folder.resolve("q.npy");
            Path report = folder.resolve("r.json");
            CliRunner result = CliRunner.run(
                    "quantize-weights",
                    "--input",
                    file.toString(),
                    "--codebook",
                    spec,
                    "--output",
                    output.toString(),
                    "--report",
                    report.toString());
            assertEquals(0, result.exitCode(), result.err());
            NpyArray quantized = read(output);
            assertArrayEquals(new int[] {30, 20}, quantized.shape());
            assertEquals(dtype, quantized.dtype());
            String json = Files.readString(report);
            for (String key :
                    new String[] {"\"values\"", "\"scale\"", "\"distortion\"", "\"bitsPerWeight\"", "\"seconds\""}) {
                assertTrue(json.contains(key), "report lacks " + key + ": " + json);
            }
            JsonNode entries = new ObjectMapper().readTree(json);
            float[] book = new float[entries.get("values").size()];
            for (int k = 0; k < book.length; k++) {
                book[k] = Float.parseFloat(entries.get("values").get(k).asText());
            }
            assertEquals(size, book.length, spec + ": codebook " + Arrays.toString(book));
            JsonNode scale = entries.get("scale");
            boolean scaled = spec.startsWith("scaled");
            assertEquals(scaled, scale.isNumber(), spec + ": scale " + scale);
            if (spec.startsWith("scaled:")) {
                // the report's values are the effective codebook, the shape already times a
                float[] expected = {-3, -1, 1, 3};
                for (int k = 0; k < book.length; k++) {
                    assertEquals(expected[k] * scale.doubleValue(), book[k], 1e-6 * Math.abs(book[k]), spec);
                }
            }
            // the command quantizes the array as float32, whatever its dtype
            float[] x = new float[input.values().length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) input.values()[i];
            }
            double[] q = quantized.values();
            assertEachIsTheNearestCodebookValue(spec, x, q, book);
            double[] secondNearest = new double[q.length];
            for (int i = 0; i < q.length; i++) {
                secondNearest[i] = nearest(x[i], book, (float) q[i]);
            }
            assertThrows(
                    AssertionFailedError.class,
                    () -> assertEachIsTheNearestCodebookValue(spec, x, secondNearest, book),
                    spec + ": the check must tell the nearest value from the second nearest");
        }
    }

    /**
     * Asserts that every output q_i is a codebook value and none is nearer its input x_i, to 1e-6
     * relative: the assignment the C step exists for, which a count of distinct values cannot see.
     */
    private static void assertEachIsTheNearestCodebookValue(String spec, float[] x, double[] q, float[] book) {
        for (int i = 0; i < x.length; i++) {
            int at = i;
            assertTrue(
                    Arrays.stream(toDoubles(book)).anyMatch(value -> value == q[at]),
                    spec + ": output " + q[i] + " at " + i + " is not in the codebook " + Arrays.toString(book));
            double error = Math.abs(x[i] - q[i]);
            for (float value : book) {
                double tolerance = 1e-6 * Math.max(Math.abs(x[i]), Math.max(Math.abs(value), Math.abs(q[i])));
                assertTrue(
                        error <= Math.abs(x[i] - value) + tolerance,
                        spec + ": input " + x[i] + " at " + i + " became " + q[i] + ", but " + value + " is nearer");
            }
        }
    }

    /** The codebook value nearest {@code x} other than {@code excluded}. */
    private static double nearest(float x, float[] book, float excluded) {
        double best = Double.NaN;
        for (float value : book) {
            if (value != excluded && !(Math.abs(x - value) >= Math.abs(x - best))) {
                best = value;
            }
        }
        return best;
    }

    private static double[] toDoubles(float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return doubles;
    }

    private void assertRejected(Path input, String spec, String expected) {
        Path output = folder.resolve("never.npy");
        CliRunner result = CliRunner.run(
                "quantize-weights", "--input", input.toString(), "--codebook", spec, "--output", output.toString());
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains(expected), "expected '" + expected + "' in: " + result.err());
        assertFalse(result.err().contains("\tat "), result.err());
        assertFalse(Files.exists(output), "no output may be written");
    }

    @Test
    void badArraysAndSpecsAreRejected() throws IOException {
        Path good = write("good.npy", gaussian(new int[] {10}, NpyArray.DType.FLOAT32));
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = folder.resolve("truncated.npy");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 3));
        assertRejected(truncated, "binary", "truncated");

        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        Path integers = folder.resolve("int.npy");
        Files.write(integers, text.replace("<f4", "<i4").getBytes(StandardCharsets.ISO_8859_1));
        assertRejected(integers, "binary", "unsupported dtype");

        Path fortran = folder.resolve("fortran.npy");
        Files.write(fortran, text.replace("False", "True ").getBytes(StandardCharsets.ISO_8859_1));
        assertRejected(fortran, "binary", "Fortran order");

        Path notNpy = folder.resolve("text.npy");
        Files.writeString(notNpy, "just text");
        assertRejected(notNpy, "binary", "not a .npy file");

        assertRejected(folder.resolve("missing.npy"), "binary", "does not exist");
        assertRejected(good, "adaptive:0", "K must be >= 1");
        assertRejected(good, "octal", "bad codebook 'octal'");

        double[] values = new double[5];
        values[3] = Double.NaN;
        Path nan = write("nan.npy", new NpyArray(new int[] {5}, values, NpyArray.DType.FLOAT64));
        assertRejected(nan, "binary", "flat index 3");
    }

    @Test
    void anAutoCodebookTakesTheLeastDistortedCandidateWithinTheBudget() throws IOException {
        Path input = write("auto.npy", gaussian(new int[] {30, 20}, NpyArray.DType.FLOAT32));
        Path output = folder.resolve("auto-q.npy");
        Path report = folder.resolve("auto.json");
        // 600 values: K = 4 stores 1,200 code bits and 128 codebook bits (2.2 per value), K = 8 3.4 per value
        CliRunner result = CliRunner.run(
                "quantize-weights",
                "--input",
                input.toString(),
                "--codebook",
                "auto",
                "--bits-per-weight",
                "2.5",
                "--output",
                output.toString(),
                "--report",
                report.toString());
        assertEquals(0, result.exitCode(), result.err());
        String json = Files.readString(report).replaceAll("\\s+", "");
        assertTrue(json.contains("\"codebook\":\"adaptive:4\""), json);
        TreeSet<Double> distinct = new TreeSet<>();
        for (double value : read(output).values()) {
            distinct.add(value);
        }
        assertEquals(4, distinct.size(), distinct.toString());

        CliRunner unbudgeted = CliRunner.run(
                "quantize-weights", "--input", input.toString(), "--codebook", "auto", "--output", output.toString());
        assertEquals(2, unbudgeted.exitCode(), unbudgeted.err());
        assertTrue(unbudgeted.err().contains("--bits-per-weight"), unbudgeted.err());
    }

    @Test
    void weightsIsTheInputsNameAndKSizesABareAdaptiveCodebookAsInCompress() throws IOException {
        Path input = write("k.npy", gaussian(new int[] {40}, NpyArray.DType.FLOAT32));
        Path output = folder.resolve("k-q.npy");
        CliRunner result = CliRunner.run(
                "quantize-weights",
                "--weights",
                input.toString(),
                "--codebook",
                "adaptive",
                "-k",
                "3",
                "--output",
                output.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertEquals(
                3, new TreeSet<>(Arrays.stream(read(output).values()).boxed().toList()).size());
        CliRunner old = CliRunner.run(
                "quantize-weights",
                "--input",
                input.toString(),
                "--codebook",
                "adaptive:3",
                "--output",
                output.toString());
        assertEquals(0, old.exitCode(), old.err());
        assertTrue(old.err().contains("lc4j: note: --input is now --weights"), old.err());
    }
}
