package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.io.WeightsFile;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: one clear line on stderr, exit code 2, no stack trace, no output file. */
class BadInputTest {
    @TempDir
    static Path folder;

    static Path reference;

    @BeforeAll
    static void writeReference() {
        reference = folder.resolve("reference.npz");
        WeightsFile.write(reference, ModelZoo.lenet300Tanh(), WeightInitializer.initialize(ModelZoo.lenet300Tanh(), 1));
    }

    private static void assertBadInput(String expectedInMessage, String... args) throws IOException {
        Path output = folder.resolve("out-" + System.nanoTime() + ".npz");
        String[] withOutput = Stream.concat(Stream.of(args), Stream.of("--output", output.toString()))
                .toArray(String[]::new);
        CliRunner result = CliRunner.run(withOutput);
        assertEquals(2, result.exitCode(), "exit code of " + List.of(args) + "; stderr: " + result.err());
        assertTrue(
                result.err().contains(expectedInMessage),
                "stderr should mention '" + expectedInMessage + "': " + result.err());
        assertFalse(result.err().contains("\tat "), "no stack trace without --verbose: " + result.err());
        assertTrue(result.err().startsWith("lc4j: "), result.err());
        assertFalse(Files.exists(output), "no output file may be left behind");
        try (Stream<Path> files = Files.list(folder)) {
            assertTrue(
                    files.noneMatch(file -> file.getFileName().toString().endsWith(".partial")),
                    "no temporary file may be left behind");
        }
    }

    @Test
    void unknownCodebook() throws IOException {
        assertBadInput(
                "bad codebook 'kmeans'",
                "compress",
                "--reference",
                reference.toString(),
                "--codebook",
                "kmeans",
                "--data",
                "embedded");
    }

    @Test
    void codebookSizeBelowOne() throws IOException {
        assertBadInput(
                "K must be >= 1", "compress", "--reference", reference.toString(), "--k", "0", "--data", "embedded");
    }

    @Test
    void negativeMu() throws IOException {
        assertBadInput(
                "μ0 must be a finite number > 0",
                "compress",
                "--reference",
                reference.toString(),
                "--mu0",
                "-1",
                "--data",
                "embedded");
    }

    @Test
    void unknownBackend() throws IOException {
        assertBadInput(
                "unknown backend 'cuda'",
                "compress",
                "--reference",
                reference.toString(),
                "--backend",
                "cuda",
                "--data",
                "embedded");
    }

    @Test
    void unknownBackendProperty() throws IOException {
        assertBadInput(
                "unknown backend property 'cpu-java.blas.threads' for backend cpu-java; valid keys: none",
                "compress",
                "--reference",
                reference.toString(),
                "--backend",
                "cpu-java",
                "--backend-property",
                "cpu-java.blas.threads=2",
                "--data",
                "embedded");
        assertBadInput(
                "unknown backend property 'nd4j.blas.threads' for backend cpu-java",
                "train",
                "--backend",
                "cpu-java",
                "--backend-property",
                "nd4j.blas.threads=2",
                "--epochs",
                "1");
    }

    @Test
    void missingReference() throws IOException {
        assertBadInput(
                "does not exist",
                "compress",
                "--reference",
                folder.resolve("nope.npz").toString(),
                "--data",
                "embedded");
    }

    @Test
    void corruptReference() throws IOException {
        Path corrupt = folder.resolve("corrupt.npz");
        Files.writeString(corrupt, "PK this is not really a zip");
        assertBadInput("corrupt.npz", "compress", "--reference", corrupt.toString(), "--data", "embedded");
    }

    @Test
    void missingDataDirectory() throws IOException {
        assertBadInput(
                "data directory",
                "compress",
                "--reference",
                reference.toString(),
                "--data",
                folder.resolve("no-such-data").toString());
    }

    @Test
    void corruptDataFile() throws IOException {
        Path data = Files.createDirectories(folder.resolve("corrupt-data"));
        for (String name : List.of(
                "train-images-idx3-ubyte",
                "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte")) {
            Files.write(data.resolve(name), new byte[] {0, 0, 8, 3, 0, 0});
        }
        assertBadInput("truncated", "train", "--data", data.toString(), "--epochs", "1");
    }

    /** Every command that reads files: truncated, corrupted and wrong-version inputs are named, exit 2. */
    @Test
    void everyCommandNamesATruncatedCorruptOrWrongVersionInput() throws IOException {
        byte[] whole = Files.readAllBytes(reference);
        Path truncated = folder.resolve("truncated.npz");
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertBadInput("truncated.npz", "compress", "--reference", truncated.toString(), "--data", "embedded");

        Path gzipData = Files.createDirectories(folder.resolve("corrupt-gzip-data"));
        byte[] notGzip = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
        for (String name : List.of(
                "train-images-idx3-ubyte.gz",
                "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz")) {
            Files.write(gzipData.resolve(name), notGzip);
        }
        assertBadInput("corrupt gzip", "demo", "--data", gzipData.toString(), "--reference-epochs", "1");
        assertBadInput("corrupt gzip", "train", "--data", gzipData.toString(), "--epochs", "1");
        assertBadInput("corrupt gzip", "compress", "--reference", reference.toString(), "--data", gzipData.toString());

        Path futureNpy = folder.resolve("future.npy");
        byte[] npy = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 9, 0, 0, 0};
        Files.write(futureNpy, npy);
        assertBadInput(
                "unsupported .npy version 9.0",
                "quantize-weights",
                "--input",
                futureNpy.toString(),
                "--codebook",
                "binary");
        Path shortNpy = folder.resolve("short.npy");
        Files.write(shortNpy, java.util.Arrays.copyOf(npy, 7));
        assertBadInput("short.npy", "quantize-weights", "--input", shortNpy.toString(), "--codebook", "binary");
    }

    @Test
    void unknownOptionAndModel() throws IOException {
        assertBadInput("Unknown option", "compress", "--reference", reference.toString(), "--frobnicate");
        assertBadInput(
                "Did you mean --mu-steps (for --mu-stpes)?",
                "compress",
                "--reference",
                reference.toString(),
                "--mu-stpes",
                "3");
        assertBadInput("Did you mean --bits-per-weight", "compress", "--bit-per-weight", "1");
        assertBadInput("unknown model 'resnet'", "train", "--model", "resnet", "--data", "embedded");
    }

    @Test
    void outputFolderMustExist() {
        CliRunner result = CliRunner.run(
                "train",
                "--data",
                "embedded",
                "--output",
                folder.resolve("missing/ref.npz").toString());
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("does not exist"), result.err());
    }

    @Test
    void verboseShowsTheStackTrace() {
        CliRunner result = CliRunner.run(
                "compress",
                "--verbose",
                "--reference",
                folder.resolve("nope.npz").toString(),
                "--data",
                "embedded");
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("\tat "), result.err());
    }
}
