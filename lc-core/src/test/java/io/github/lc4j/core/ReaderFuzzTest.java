package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.Lc4jException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.core.data.IdxReader;
import io.github.lc4j.core.io.Checkpoint;
import io.github.lc4j.core.io.NpyArray;
import io.github.lc4j.core.io.WeightsFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded mutation fuzzing of every reader of untrusted files: {@code .npy}, {@code .npz} weights,
 * idx images and labels (raw and gzip), checkpoints (the whole file, and the manifest's JSON
 * inside an otherwise valid archive, which the checksums would otherwise shield). Valid seed files are mutated (bit flips, interesting
 * values, header-text edits, truncation, insertion, duplication); the only acceptable outcomes
 * are a result or lc4j's own exception, within a time limit: never another exception, an
 * out-of-memory error from a lying header, or a hang. Inputs that once broke a reader are kept in
 * {@code src/test/resources/fuzz/} and replayed by {@link #regressionFilesStayFixed}.
 *
 * <p>Each reader gets {@code -Dlc4j.fuzz.inputs} inputs (default 2,000 in {@code mvn verify};
 * {@code mvn -Pfuzz verify -pl lc-core} runs 100,000). Failing inputs are written to
 * {@code target/fuzz-findings/}.
 */
class ReaderFuzzTest {
    static final int INPUTS = Integer.getInteger("lc4j.fuzz.inputs", 2_000);
    static final long SLOW_INPUT_NANOS = 5_000_000_000L;
    static final ModelSpec MODEL =
            ModelSpec.of("fuzz", new int[] {3}, List.of(Layer.dense("a", 4), Layer.relu(), Layer.dense("b", 2)));

    @TempDir
    static Path folder;

    /** A reader under test: consumes the bytes of one file. */
    interface Reader {
        void read(byte[] bytes) throws IOException;

        /** A read without input of its own. */
        interface Call {
            void run() throws IOException;
        }
    }

    static Stream<Arguments> readers() {
        return Stream.of(
                Arguments.of(
                        "npy",
                        (Reader) bytes -> NpyArray.read(new ByteArrayInputStream(bytes), "fuzz.npy"),
                        List.of(npy(new int[] {2, 3}, false), npy(new int[] {5}, true), npy(new int[0], false))),
                Arguments.of("npz", (Reader) ReaderFuzzTest::readWeights, List.of(npz())),
                Arguments.of(
                        "idx3",
                        (Reader) bytes -> IdxReader.readImages(new ByteArrayInputStream(bytes), "fuzz"),
                        List.of(idx(0x803, new int[] {2, 3, 3}), gzip(idx(0x803, new int[] {1, 4, 2})))),
                Arguments.of(
                        "idx1",
                        (Reader) bytes -> IdxReader.readLabels(new ByteArrayInputStream(bytes), "fuzz"),
                        List.of(idx(0x801, new int[] {7}), gzip(idx(0x801, new int[] {3})))),
                Arguments.of("checkpoint", (Reader) ReaderFuzzTest::readCheckpoint, List.of(checkpoint())),
                Arguments.of(
                        "checkpoint-manifest",
                        (Reader) bytes -> readCheckpoint(withManifest(checkpoint(), bytes)),
                        List.of(entry(checkpoint(), "manifest.json"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readers")
    void mutatedFilesGiveAResultOrLc4jsOwnException(String name, Reader reader, List<byte[]> seeds) throws IOException {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        Map<String, Integer> failures = new TreeMap<>();
        for (byte[] seed : seeds) {
            String outcome = outcome(reader, seed);
            assertTrue(outcome == null, name + " rejects its own valid seed: " + outcome);
        }
        for (int i = 0; i < INPUTS; i++) {
            byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            String outcome = outcome(reader, input);
            if (outcome != null) {
                if (failures.merge(outcome, 1, Integer::sum) == 1) {
                    Path findings = Path.of("target", "fuzz-findings", name);
                    Files.createDirectories(findings);
                    Files.write(findings.resolve("input-" + i + ".bin"), input);
                }
            }
        }
        System.out.printf("fuzz %s: %d inputs, %d distinct failures%n", name, INPUTS, failures.size());
        assertTrue(failures.isEmpty(), name + ": " + failures + " (inputs in target/fuzz-findings/" + name + ")");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readers")
    void regressionFilesStayFixed(String name, Reader reader, List<byte[]> seeds) throws IOException {
        Path kept = Path.of("src", "test", "resources", "fuzz", name);
        assertTrue(
                Files.isDirectory(Path.of("src", "test", "resources", "fuzz")),
                "regression inputs not found from " + Path.of("").toAbsolutePath());
        if (!Files.isDirectory(kept)) {
            return; // this reader has no kept inputs
        }
        try (Stream<Path> files = Files.list(kept)) {
            for (Path file : files.sorted().toList()) {
                String outcome = outcome(reader, Files.readAllBytes(file));
                assertTrue(outcome == null, file + ": " + outcome);
            }
        }
    }

    /** Returns null for an acceptable outcome, else the failure's signature. */
    private static String outcome(Reader reader, byte[] input) {
        long start = System.nanoTime();
        try {
            reader.read(input);
        } catch (Lc4jException accepted) {
            // lc4j's own, named error: what a reader should give for bad input
        } catch (Throwable failure) {
            StackTraceElement top = failure.getStackTrace().length > 0 ? failure.getStackTrace()[0] : null;
            return failure.getClass().getName() + " at " + top;
        }
        if (System.nanoTime() - start > SLOW_INPUT_NANOS) {
            return "slower than " + SLOW_INPUT_NANOS / 1_000_000_000 + " s";
        }
        return null;
    }

    private static final int[] INTERESTING = {0, 1, -1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 1 << 30, 65535};

    /** One to four random edits of {@code seed}. */
    static byte[] mutate(byte[] seed, SplittableRandom random) {
        byte[] bytes = seed.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            if (bytes.length == 0) {
                return new byte[] {(byte) random.nextInt(256)};
            }
            // most file formats break in their header: aim there half of the time
            int position =
                    random.nextBoolean() ? random.nextInt(Math.min(bytes.length, 160)) : random.nextInt(bytes.length);
            switch (random.nextInt(8)) {
                case 0 -> bytes[position] ^= (byte) (1 << random.nextInt(8));
                case 1 -> bytes[position] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
                case 2 -> {
                    int value = INTERESTING[random.nextInt(INTERESTING.length)];
                    for (int b = 0; b < 4 && position + b < bytes.length; b++) {
                        bytes[position + b] = (byte) (value >>> (random.nextBoolean() ? 8 * b : 24 - 8 * b));
                    }
                }
                case 3 -> bytes[position] = (byte) "'(),:{} -0123456789LTrueFalse<>|f48i".charAt(random.nextInt(36));
                case 4 -> bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
                case 5 -> {
                    byte[] longer = new byte[bytes.length + 1 + random.nextInt(16)];
                    System.arraycopy(bytes, 0, longer, 0, position);
                    for (int b = position; b < position + longer.length - bytes.length; b++) {
                        longer[b] = (byte) random.nextInt(256);
                    }
                    System.arraycopy(
                            bytes, position, longer, position + longer.length - bytes.length, bytes.length - position);
                    bytes = longer;
                }
                case 6 -> {
                    int length = 1 + random.nextInt(Math.min(32, bytes.length - position));
                    byte[] longer = new byte[bytes.length + length];
                    System.arraycopy(bytes, 0, longer, 0, position + length);
                    System.arraycopy(bytes, position, longer, position + length, bytes.length - position);
                    bytes = longer;
                }
                default -> {
                    int length = 1 + random.nextInt(Math.min(16, bytes.length - position));
                    byte[] shorter = new byte[bytes.length - length];
                    System.arraycopy(bytes, 0, shorter, 0, position);
                    System.arraycopy(bytes, position + length, shorter, position, shorter.length - position);
                    bytes = shorter;
                }
            }
        }
        return bytes;
    }

    private static void readWeights(byte[] bytes) throws IOException {
        Path file = Files.createTempFile(folder, "fuzz", ".npz");
        try {
            Files.write(file, bytes);
            WeightsFile.read(file, MODEL);
        } finally {
            Files.delete(file);
        }
    }

    private static void readCheckpoint(byte[] bytes) throws IOException {
        Path file = Files.createTempFile(folder, "fuzz", ".lc4j");
        try {
            Files.write(file, bytes);
            Checkpoint.read(file);
        } finally {
            Files.delete(file);
        }
    }

    /** A checkpoint with two parameters, one group and one history record. */
    static byte[] checkpoint() {
        Map<String, float[]> weights = new java.util.LinkedHashMap<>();
        weights.put("a.weight", new float[] {0.5f, -0.25f, 1, 2});
        weights.put("a.bias", new float[] {0.1f});
        Map<String, float[]> momentum = new java.util.LinkedHashMap<>();
        momentum.put("a.weight", new float[] {0, 0.5f, -1, 0});
        momentum.put("a.bias", new float[] {0});
        Checkpoint checkpoint = new Checkpoint(
                Map.of("seed", 1, "method", "lc"),
                new Checkpoint.Position(true, 1, 0, 3, 3, 2.5),
                weights,
                momentum,
                List.of(new Checkpoint.Group(
                        "a",
                        new float[4],
                        new float[] {-0.5f, 1},
                        Double.NaN,
                        new int[] {0, 0, 1, 1},
                        new float[] {-0.5f, -0.5f, 1, 1},
                        0.8,
                        "adaptive:2")),
                List.of(new IterationRecord(
                        0,
                        0,
                        0,
                        Double.NaN,
                        1,
                        0,
                        2,
                        -1,
                        new Evaluation(0.5, 1, 4),
                        new Evaluation(0.6, 2, 4),
                        Map.of("a", new float[] {-0.5f, 1}),
                        Map.of("a", "adaptive:2"),
                        12.5,
                        0,
                        1,
                        2,
                        0)));
        try {
            Path file = Files.createTempFile("seed", ".lc4j");
            Files.delete(file);
            checkpoint.write(file, () -> {});
            byte[] bytes = Files.readAllBytes(file);
            Files.delete(file);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The content of entry {@code name} of a zip archive. */
    static byte[] entry(byte[] zip, String name) {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (entry.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalArgumentException("no entry " + name);
    }

    /** {@code zip} with its manifest replaced by {@code manifest}, every other entry intact. */
    static byte[] withManifest(byte[] zip, byte[] manifest) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip));
                ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                out.write(entry.getName().equals("manifest.json") ? manifest : in.readAllBytes());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static byte[] npy(int[] shape, boolean float64) {
        int count = 1;
        for (int dimension : shape) {
            count *= dimension;
        }
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = i * 0.5 - 1;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new NpyArray(shape, values, float64 ? NpyArray.DType.FLOAT64 : NpyArray.DType.FLOAT32).write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] npz() {
        try {
            Path file = Files.createTempFile("seed", ".npz");
            WeightsFile.write(file, MODEL, WeightInitializer.initialize(MODEL, 1));
            byte[] bytes = Files.readAllBytes(file);
            Files.delete(file);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] idx(int magic, int[] dimensions) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            int count = 1;
            for (int dimension : dimensions) {
                out.writeInt(dimension);
                count *= dimension;
            }
            for (int i = 0; i < count; i++) {
                out.write(magic == 0x801 ? i % 10 : (i * 37) & 0xff);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<byte[]> list(byte[]... files) {
        return new ArrayList<>(List.of(files));
    }

    @org.junit.jupiter.api.Test
    void aHeaderThatLiesAboutTheSizeCostsNoMoreMemoryThanTheFileHolds() {
        // 800 MB: under the float32 cap, so only the chunked read keeps the claim from costing memory
        String dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': (200000000,), }";
        String header = dictionary + " ".repeat(63 - (10 + dictionary.length()) % 64) + "\n";
        ByteArrayOutputStream npy = new ByteArrayOutputStream();
        npy.write(0x93);
        npy.writeBytes("NUMPY".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        npy.write(1);
        npy.write(0);
        npy.write(header.length() & 0xff);
        npy.write(header.length() >>> 8);
        npy.writeBytes(header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        npy.writeBytes(new byte[16]);
        byte[] lyingNpy = npy.toByteArray();
        byte[] lyingIdx = idx(0x803, new int[] {1, 2, 2});
        lyingIdx[4] = 0x10; // 0x1000_0000 images of 2x2: 1 GB claimed, 4 bytes of data
        lyingIdx[7] = 0;
        long npyBytes = allocatedWhile(() -> NpyArray.read(new ByteArrayInputStream(lyingNpy), "lying.npy"));
        long idxBytes = allocatedWhile(() -> IdxReader.readImages(new ByteArrayInputStream(lyingIdx), "lying"));
        assertTrue(
                npyBytes < (64 << 20),
                "an 800 MB claim in a " + lyingNpy.length + "-byte .npy allocated " + npyBytes + " bytes");
        assertTrue(idxBytes < (64 << 20), "a lying idx header allocated " + idxBytes + " bytes");
    }

    /** Bytes this thread allocated while {@code read} ran and failed with lc4j's own exception. */
    private static long allocatedWhile(Reader.Call read) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        try {
            read.run();
        } catch (Lc4jException expected) {
            // the truncation is reported; what matters is what it cost
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
