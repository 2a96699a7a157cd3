package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.io.NpyArray;
import io.github.lc4j.onnx.OnnxNet;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every shell command of README.md's fenced {@code bash} blocks, as a new user would copy
 * them, on small data: the README's {@code net.onnx} is the repository's PyTorch-exported
 * LeNet300 and its {@code data.npz} a slice of the embedded Fashion-MNIST sample in that net's
 * input layout. Options that only shorten a run are added (fewer epochs and μ values); nothing
 * the README writes is changed. {@code mvn -B verify} is the test command that runs this test.
 */
class ReadmeCommandsTest {
    /** What each command gets added so that it runs in seconds. */
    private static final Map<String, List<String>> SHORTER = Map.of(
            "demo", List.of("--reference-epochs", "1", "--mu-steps", "2", "--epochs-per-step", "1", "--threads", "2"),
            "compress", List.of("--mu-steps", "2", "--epochs-per-step", "1", "--threads", "2"),
            "train", List.of("--epochs", "1", "--threads", "2"));

    @TempDir
    Path folder;

    /** The README's shell commands, in order, each one line (continuations joined). */
    static List<String> readmeCommands() throws IOException {
        List<String> commands = new ArrayList<>();
        boolean inBash = false;
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
            if (line.startsWith("```")) {
                inBash = !inBash && line.strip().equals("```bash");
                continue;
            }
            if (!inBash) {
                continue;
            }
            String text = line.replaceFirst("\\s+#.*$", "").strip();
            if (text.endsWith("\\")) {
                current.append(text, 0, text.length() - 1).append(' ');
                continue;
            }
            current.append(text);
            if (!current.toString().isBlank()) {
                commands.add(current.toString().strip());
            }
            current.setLength(0);
        }
        return commands;
    }

    private void writeData(Path file, int[] sampleShape) throws IOException {
        TrainTestSplit data = DataSets.embeddedFashionMnist();
        try (OutputStream stream = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(stream)) {
            for (String split : List.of("train", "test")) {
                Dataset set = split.equals("train") ? data.train() : data.test();
                Batch batch = set.range(0, split.equals("train") ? 1024 : 512);
                int[] shape = new int[sampleShape.length + 1];
                shape[0] = batch.labels().length;
                System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
                zip.putNextEntry(new ZipEntry("x_" + split + ".npy"));
                NpyArray.ofFloats(shape, batch.inputs()).write(zip);
                double[] labels = Arrays.stream(batch.labels()).asDoubleStream().toArray();
                zip.putNextEntry(new ZipEntry("y_" + split + ".npy"));
                new NpyArray(new int[] {labels.length}, labels, NpyArray.DType.INT64).write(zip);
            }
        }
    }

    @Test
    void everyShellCommandOfTheReadmeRuns() throws IOException {
        Path net = folder.resolve("net.onnx");
        try (InputStream in = Files.newInputStream(Path.of(
                "..", "lc-onnx", "src", "test", "resources", "io", "github", "lc4j", "onnx", "lenet300.onnx"))) {
            Files.copy(in, net);
        }
        writeData(folder.resolve("data.npz"), OnnxNet.read(net).model().inputShape());

        List<String> commands = readmeCommands();
        assertTrue(commands.size() >= 5, "README's shell commands: " + commands);
        int ran = 0;
        for (String command : commands) {
            if (command.startsWith("mvn ")) {
                continue; // the test command, which runs this test
            }
            assertTrue(command.startsWith("./lc4j "), "a README command this test cannot run: " + command);
            List<String> arguments = new ArrayList<>();
            for (String token : command.substring("./lc4j ".length()).split("\\s+")) {
                // the README's files are relative to where the user stands: the repository's root for
                // its own files, else the test's folder
                if (token.contains("/") && Files.exists(Path.of("..", token))) {
                    arguments.add(Path.of("..", token).toString());
                } else {
                    arguments.add(
                            token.matches("[\\w.-]+\\.(onnx|npz|npy|json|yaml)")
                                    ? folder.resolve(token).toString()
                                    : token);
                }
            }
            List<String> shorter = SHORTER.getOrDefault(arguments.get(0), List.of());
            for (int i = 0; i < shorter.size(); i += 2) {
                int given = arguments.indexOf(shorter.get(i));
                if (given >= 0) {
                    arguments.set(given + 1, shorter.get(i + 1)); // the README's own value, shortened
                } else {
                    arguments.addAll(shorter.subList(i, i + 2));
                }
            }
            if (arguments.get(0).equals("compress") && !arguments.contains("--data")) {
                // a zoo model's default is the full Fashion-MNIST where it is installed: the sample will do here
                arguments.addAll(List.of("--data", "embedded"));
            }
            CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
            assertEquals(0, result.exitCode(), command + "\n" + result.err());
            assertFalse(result.err().contains("lc4j: note:"), command + " uses an old spelling: " + result.err());
            if (arguments.get(0).equals("demo")) {
                assertTrue(result.out().contains("LC  adaptive:2"), result.out());
            }
            ran++;
        }
        assertTrue(Files.exists(folder.resolve("q.onnx")), "the README's compress writes q.onnx");
        assertTrue(ran >= 4, ran + " commands ran");
    }
}
