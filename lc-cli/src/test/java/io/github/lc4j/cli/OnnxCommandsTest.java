package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.io.NpyArray;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ONNX in, ONNX out from the command line: compress, inspect, evaluate, export, and bad files. */
class OnnxCommandsTest {
    private static final Pattern ERROR_ROW =
            Pattern.compile("(?m)^(lc4j \\(.*?\\)|ONNX Runtime \\S+)\\s+\\S+\\s+(\\S+)%$");

    @TempDir
    Path folder;

    private Path fixture(String name) throws IOException {
        Path copy = folder.resolve(name);
        if (Files.exists(copy)) {
            return copy;
        }
        try (InputStream in = getClass().getResourceAsStream("/io/github/lc4j/onnx/" + name)) {
            if (in == null) {
                // the fixtures live in lc-onnx's test resources
                Files.copy(
                        Path.of("..", "lc-onnx", "src", "test", "resources", "io", "github", "lc4j", "onnx", name),
                        copy);
            } else {
                Files.copy(in, copy);
            }
        }
        return copy;
    }

    /** The test errors each runtime printed, in order. */
    private static List<String> errors(String evaluateOutput) {
        List<String> errors = new ArrayList<>();
        Matcher matcher = ERROR_ROW.matcher(evaluateOutput);
        while (matcher.find()) {
            errors.add(matcher.group(2));
        }
        return errors;
    }

    @Test
    void anOnnxNetCompressesToACompactFileThatOnnxRuntimeRunsAsLc4jDoes() throws IOException {
        Path model = fixture("lenet300.onnx");
        Path output = folder.resolve("q.onnx");
        CliRunner compress = CliRunner.run(
                "compress",
                "--model",
                model.toString(),
                "--codebook",
                "adaptive:2",
                "--data",
                "embedded",
                "--mu-steps",
                "2",
                "--epochs-per-step",
                "1",
                "--threads",
                "2",
                "--output",
                output.toString(),
                "--compact");
        assertEquals(0, compress.exitCode(), compress.err());
        assertTrue(Files.size(output) < 40_000, "compact LeNet300 at K = 2: " + Files.size(output) + " bytes");
        assertTrue(compress.out().contains("LC  adaptive:2"), compress.out());
        // ρ's count of LeNet300 at K = 2: 279,512 bits
        assertTrue(
                compress.out()
                        .contains(String.format(
                                java.util.Locale.ROOT, "(%,d bytes; ρ counts 34,939 of them", Files.size(output))),
                compress.out());

        CliRunner inspect = CliRunner.run("inspect", output.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().matches("(?s).*fc1\\.weight\\s+\\[300,784\\]\\s+codes\\s+2\\s+1 .*"), inspect.out());
        assertTrue(inspect.out().contains("ρ = 30."), inspect.out());

        CliRunner evaluate = CliRunner.run("evaluate", "--model", output.toString(), "--data", "embedded");
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        List<String> errors = errors(evaluate.out());
        assertEquals(2, errors.size(), evaluate.out());
        assertEquals(errors.get(0), errors.get(1), "lc4j and ONNX Runtime: " + evaluate.out());
        // the table's LC row printed the same test error before the file was written
        assertTrue(
                compress.out().matches("(?s).*LC  adaptive:2 .*" + Pattern.quote(errors.get(0)) + "%.*"),
                compress.out() + "\n" + evaluate.out());
    }

    @Test
    void zooNetsExportToOnnx() throws IOException {
        Path weights = folder.resolve("lenet5.npz");
        Lc4j.writeWeights(weights, ModelZoo.lenet5(), WeightInitializer.initialize(ModelZoo.lenet5(), 4));
        Path output = folder.resolve("lenet5.onnx");
        CliRunner export = CliRunner.run(
                "export", "--model", "lenet5", "--weights", weights.toString(), "--output", output.toString());
        assertEquals(0, export.exitCode(), export.err());
        CliRunner evaluate = CliRunner.run("evaluate", "--model", output.toString(), "--data", "embedded");
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        List<String> errors = errors(evaluate.out());
        assertEquals(List.of(errors.get(0), errors.get(0)), errors, evaluate.out());
        CliRunner zoo =
                CliRunner.run("evaluate", "--model", "lenet5", "--weights", weights.toString(), "--data", "embedded");
        assertEquals(errors.subList(0, 1), errors(zoo.out()), zoo.out());
    }

    /** A size budget bounds the compact file itself, graph and unpacking operators included, not only what ρ counts. */
    @Test
    void aCompactFileIsNeverAboveItsBudget() throws IOException {
        Path net = fixture("lenet300.onnx");
        long parameters = 266_610; // LeNet300: 784·300 + 300 + 300·100 + 100 + 100·10 + 10
        for (String[] budget : new String[][] {
            {"--rho", "30", "auto:1,2,4,8,16"}, {"--rho", "15", "auto"}, {"--bits-per-weight", "1.5", "auto"}
        }) {
            Path output = folder.resolve("budget-" + budget[1] + ".onnx");
            CliRunner compress = CliRunner.run(
                    "compress",
                    "--model",
                    net.toString(),
                    "--data",
                    "embedded",
                    "--method",
                    "dc",
                    budget[0],
                    budget[1],
                    "--codebook",
                    budget[2],
                    "--output",
                    output.toString(),
                    "--compact");
            assertEquals(0, compress.exitCode(), compress.err());
            double value = Double.parseDouble(budget[1]);
            long weights = 784 * 300 + 300 * 100 + 100 * 10;
            long budgetBytes = budget[0].equals("--rho")
                    ? (long) Math.floor(32.0 * parameters / value) / 8
                    : ((long) Math.floor(value * weights) + 32L * (parameters - weights)) / 8;
            long size = Files.size(output);
            assertTrue(size <= budgetBytes, String.join(" ", budget) + ": " + size + " bytes, budget " + budgetBytes);
            assertTrue(compress.out().contains("for the file's graph"), compress.out());
        }
    }

    @Test
    void zooGraphNetsExportToOnnxAndInspectShowsTheirGraph() throws IOException {
        Path weights = folder.resolve("mobilenet.npz");
        var model = ModelZoo.byName("mobilenetv2-small");
        Lc4j.writeWeights(weights, model, WeightInitializer.initialize(model, 4));
        Path output = folder.resolve("mobilenet.onnx");
        CliRunner export = CliRunner.run(
                "export",
                "--model",
                "mobilenetv2-small",
                "--weights",
                weights.toString(),
                "--output",
                output.toString());
        assertEquals(0, export.exitCode(), export.err());
        CliRunner evaluate = CliRunner.run("evaluate", "--model", output.toString(), "--data", "embedded");
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        List<String> errors = errors(evaluate.out());
        assertEquals(List.of(errors.get(0), errors.get(0)), errors, "lc4j and ONNX Runtime: " + evaluate.out());
        CliRunner inspect = CliRunner.run("inspect", "--model", output.toString(), "--graph");
        assertEquals(0, inspect.exitCode(), inspect.err());
        long rows = model.nodes().stream()
                .filter(node -> inspect.out().lines().anyMatch(line -> line.startsWith(node.name() + " ")))
                .count();
        assertEquals(model.nodes().size(), rows, "one row per node: " + inspect.out());
        assertTrue(inspect.out().contains("BatchNorm[") && inspect.out().contains("Add[]"), inspect.out());
    }

    private Path npzData(int classes, int labelBound) throws IOException {
        return npzData(classes, labelBound, "train", "test");
    }

    private Path npzData(int classes, int labelBound, String... splits) throws IOException {
        Path file = folder.resolve("data-" + labelBound + "-" + String.join("-", splits) + ".npz");
        Random random = new Random(1);
        try (OutputStream stream = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(stream)) {
            for (String split : splits) {
                int count = split.equals("train") ? 256 : 64;
                double[] inputs = new double[count * 12];
                double[] labels = new double[count];
                for (int i = 0; i < count; i++) {
                    labels[i] = random.nextInt(labelBound);
                    for (int j = 0; j < 12; j++) {
                        inputs[i * 12 + j] = random.nextGaussian() + (j % classes == labels[i] ? 1.5 : 0);
                    }
                }
                zip.putNextEntry(new ZipEntry("x_" + split + ".npy"));
                new NpyArray(new int[] {count, 12}, inputs, NpyArray.DType.FLOAT32).write(zip);
                zip.putNextEntry(new ZipEntry("y_" + split + ".npy"));
                new NpyArray(new int[] {count}, labels, NpyArray.DType.INT64).write(zip);
            }
        }
        return file;
    }

    @Test
    void aUsersNetTrainsOnAUsersNpz() throws IOException {
        Path model = fixture("matmul_add.onnx");
        Path output = folder.resolve("q.onnx");
        CliRunner compress = CliRunner.run(
                "compress",
                "--model",
                model.toString(),
                "--data",
                npzData(3, 3).toString(),
                "--codebook",
                "adaptive:4",
                "--mu-steps",
                "2",
                "--epochs-per-step",
                "2",
                "--batch",
                "32",
                "--threads",
                "1",
                "--output",
                output.toString());
        assertEquals(0, compress.exitCode(), compress.err());
        assertTrue(compress.err().contains("data-3-train-test.npz (256 train / 64 test)"), compress.err());

        // conv_nobias.onnx takes [1, 8, 8]: the flat 12-value samples fit neither its shape nor its size
        for (String command : List.of("compress", "evaluate")) {
            CliRunner misshapen = CliRunner.run(
                    command,
                    "--model",
                    fixture("conv_nobias.onnx").toString(),
                    "--data",
                    npzData(3, 3).toString());
            assertEquals(2, misshapen.exitCode(), command + ": " + misshapen.err());
            assertTrue(misshapen.err().contains("has samples of shape [12] but"), misshapen.err());
            assertTrue(misshapen.out().isEmpty(), command + " printed before failing: " + misshapen.out());
        }

        // a sharded folder: train-*.npz files as separate training shards, test.npz the test set
        Path shards = Files.createDirectories(folder.resolve("shards"));
        Files.copy(npzData(3, 3, "train"), shards.resolve("train-0001.npz"));
        Files.copy(npzData(3, 3, "train"), shards.resolve("train-0002.npz"));
        Files.copy(npzData(3, 3, "test"), shards.resolve("test.npz"));
        CliRunner sharded = CliRunner.run(
                "compress",
                "--model",
                model.toString(),
                "--data",
                shards.toString(),
                "--codebook",
                "adaptive:4",
                "--mu-steps",
                "1",
                "--epochs-per-step",
                "1",
                "--batch",
                "32",
                "--threads",
                "1");
        assertEquals(0, sharded.exitCode(), sharded.err());
        assertTrue(sharded.err().contains("512 train in 2 shards / 64 test"), sharded.err());
        CliRunner shardedTest = CliRunner.run("evaluate", "--model", output.toString(), "--data", shards.toString());
        assertEquals(0, shardedTest.exitCode(), shardedTest.err());
        assertTrue(shardedTest.out().contains("test.npz (64 test samples)"), shardedTest.out());

        // evaluate reads only the test arrays: a file without training arrays will do
        CliRunner evaluate = CliRunner.run(
                "evaluate",
                "--model",
                output.toString(),
                "--data",
                npzData(3, 3, "test").toString());
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        assertTrue(evaluate.out().contains("data-3-test.npz (64 test samples)"), evaluate.out());
        assertEquals(2, errors(evaluate.out()).size(), evaluate.out());

        CliRunner outOfRange = CliRunner.run(
                "compress",
                "--model",
                model.toString(),
                "--data",
                npzData(3, 5).toString(),
                "--mu-steps",
                "1",
                "--output",
                folder.resolve("never.onnx").toString());
        assertEquals(2, outOfRange.exitCode(), outOfRange.err());
        assertTrue(outOfRange.err().contains("label 4 of sample 2 is outside [0, 3)"), outOfRange.err());
        assertTrue(Files.notExists(folder.resolve("never.onnx")));
    }

    @Test
    void badFilesAndOptionsExitTwoAndWriteNothing() throws IOException {
        Path garbage = folder.resolve("garbage.onnx");
        Files.write(garbage, new byte[] {8, 7, 0x12, 0x7f, 1, 2, 3});
        Path output = folder.resolve("out.onnx");
        CliRunner bad =
                CliRunner.run("compress", "--model", garbage.toString(), "--output", output.toString(), "--compact");
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("ONNX file " + garbage), bad.err());

        CliRunner unsupported =
                CliRunner.run("compress", "--model", fixture("unsupported.onnx").toString());
        assertEquals(2, unsupported.exitCode());
        assertTrue(unsupported.err().contains("Sigmoid") && unsupported.err().contains("Softplus"), unsupported.err());

        CliRunner compactNpz = CliRunner.run(
                "compress",
                "--model",
                fixture("lenet300.onnx").toString(),
                "--output",
                folder.resolve("q.npz").toString(),
                "--compact");
        assertEquals(2, compactNpz.exitCode());
        assertTrue(compactNpz.err().contains("--compact writes an ONNX file"), compactNpz.err());

        Path lenet300 = fixture("lenet300.onnx");
        for (String command : List.of("compress", "evaluate")) {
            List<String> arguments = new java.util.ArrayList<>(List.of(command, "--model", lenet300.toString()));
            if (command.equals("compress")) {
                arguments.addAll(List.of("--output", output.toString()));
            }
            CliRunner noData = CliRunner.run(arguments.toArray(String[]::new));
            assertEquals(2, noData.exitCode(), command + ": " + noData.err());
            assertTrue(noData.err().contains("give the data it was trained for with --data"), noData.err());
            assertTrue(Files.notExists(output), command + " wrote " + output);
        }

        CliRunner noReference = CliRunner.run("compress", "--model", "lenet5");
        assertEquals(2, noReference.exitCode());
        assertTrue(noReference.err().contains("--weights FILE.npz is required"), noReference.err());

        CliRunner inspect = CliRunner.run("inspect", garbage.toString());
        assertEquals(2, inspect.exitCode());
        CliRunner runtime =
                CliRunner.run("evaluate", "--model", "lenet5", "--weights", "x.npz", "--runtime", "onnxruntime");
        assertEquals(2, runtime.exitCode());
        try (var files = Files.list(folder)) {
            assertTrue(files.noneMatch(path -> path.getFileName().toString().startsWith("out.onnx")
                    || path.getFileName().toString().endsWith(".partial")));
        }
    }

    @Test
    void inspectSaysWhetherCompressCanTakeTheNetAndCheckExitsNonZeroWhereNot() throws IOException {
        Path unsupported = fixture("unsupported.onnx");
        CliRunner told = CliRunner.run("inspect", "--model", unsupported.toString());
        assertEquals(0, told.exitCode(), told.err());
        assertTrue(told.out().contains("compress: cannot take this net"), told.out());
        assertTrue(told.out().contains("Sigmoid") && told.out().contains("Softplus"), told.out());
        CliRunner checked = CliRunner.run("inspect", "--model", unsupported.toString(), "--check");
        assertEquals(2, checked.exitCode(), checked.out());

        Path lenet300 = fixture("lenet300.onnx");
        CliRunner fine = CliRunner.run("inspect", "--model", lenet300.toString(), "--check");
        assertEquals(0, fine.exitCode(), fine.err());
        assertTrue(fine.out().contains("compress: can take this net (3 weight tensors"), fine.out());
        // the older positional spelling keeps working, with a notice naming the new one
        CliRunner old = CliRunner.run("inspect", lenet300.toString());
        assertEquals(0, old.exitCode(), old.err());
        assertTrue(old.err().contains("'inspect --model FILE'"), old.err());
        assertEquals(fine.out(), old.out());
    }
}
