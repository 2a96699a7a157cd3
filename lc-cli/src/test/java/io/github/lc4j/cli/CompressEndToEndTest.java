package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.io.WeightsFile;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** train → compress on the embedded data: every compressed weight ends exactly on its codebook. */
class CompressEndToEndTest {
    @TempDir
    static Path folder;

    static Path reference;

    @BeforeAll
    static void trainReference() {
        reference = folder.resolve("reference.npz");
        CliRunner result = CliRunner.run(
                "train", "--data", "embedded", "--epochs", "1", "--threads", "2", "--output", reference.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("reference lenet300"), result.out());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 8})
    void everyCompressedWeightIsOnItsCodebook(int k) throws IOException {
        Path output = folder.resolve("q" + k + ".npz");
        Path report = folder.resolve("q" + k + ".json");
        CliRunner result = CliRunner.run(
                "compress",
                "--reference",
                reference.toString(),
                "--data",
                "embedded",
                "--k",
                Integer.toString(k),
                "--mu-steps",
                "2",
                "--epochs-per-step",
                "1",
                "--threads",
                "2",
                "--output",
                output.toString(),
                "--report",
                report.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("LC  adaptive:" + k), result.out());
        assertTrue(result.err().contains("lc4j: note: --reference is now --weights"), result.err());

        ModelSpec model = ModelZoo.lenet300Tanh();
        Weights quantized = WeightsFile.read(output, model);
        Weights original = WeightsFile.read(reference, model);
        for (ParameterSpec parameter : model.parameters()) {
            Set<Float> distinct = new TreeSet<>();
            for (float value : quantized.get(parameter.name())) {
                distinct.add(value);
            }
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                assertEquals(k, distinct.size(), parameter.name() + " must take exactly K values: " + distinct);
                for (float value : distinct) {
                    assertTrue(
                            Files.readString(report).contains(jsonNumber(value)),
                            parameter.name() + " value " + value + " is not in the report's codebooks");
                }
            } else {
                assertTrue(distinct.size() > k, parameter.name() + " is a bias and must stay continuous");
            }
        }
        assertTrue(!quantized.equals(original));
        String json = Files.readString(report);
        assertTrue(json.contains("\"iteration\": 2") && json.contains("\"compressionRatio\""), json);
    }

    private CliRunner compressFor(String name, String... options) {
        java.util.List<String> arguments = new java.util.ArrayList<>(java.util.List.of(
                "compress",
                "--weights",
                reference.toString(),
                "--data",
                "embedded",
                "--threads",
                "2",
                "--report",
                folder.resolve(name + ".json").toString()));
        arguments.addAll(java.util.List.of(options));
        return CliRunner.run(arguments.toArray(String[]::new));
    }

    private static int distinct(Weights weights, String parameter) {
        Set<Float> values = new TreeSet<>();
        for (float value : weights.get(parameter)) {
            values.add(value);
        }
        return values.size();
    }

    @Test
    void layersChooseTheirKWithinTheBudgetOrStayFloat() throws IOException {
        Path output = folder.resolve("chosen.npz");
        CliRunner result = compressFor(
                "chosen",
                "--layer",
                "fc3=float",
                "--bits-per-weight",
                "1.5",
                "--mu-steps",
                "2",
                "--epochs-per-step",
                "1",
                "--output",
                output.toString());
        assertEquals(0, result.exitCode(), result.err());
        java.util.regex.Matcher chosen = java.util.regex.Pattern.compile(
                        "chosen within 1.5 bits per weight: fc1 adaptive:(\\d+), fc2 adaptive:(\\d+)")
                .matcher(result.out());
        assertTrue(chosen.find(), result.out());
        ModelSpec model = ModelZoo.lenet300Tanh();
        Weights quantized = WeightsFile.read(output, model);
        long bits = 0;
        long weights = 0;
        for (int layer = 1; layer <= 2; layer++) {
            int k = Integer.parseInt(chosen.group(layer));
            String name = "fc" + layer + ".weight";
            int n = model.parameter(name).size();
            assertTrue(distinct(quantized, name) <= k, name + " has more values than its chosen K = " + k);
            bits += (long) n * (32 - Integer.numberOfLeadingZeros(k - 1)) + 32L * k;
            weights += n;
        }
        assertTrue(bits <= 1.5 * weights, bits + " bits for " + weights + " weights exceed 1.5 per weight");
        assertTrue(distinct(quantized, "fc3.weight") > 16, "fc3 stays float32");
        String json = Files.readString(folder.resolve("chosen.json"));
        assertTrue(json.contains("\"choices\"") && json.contains("\"bitBudget\""), json);
    }

    @Test
    void aConfigFilesLayersMappingOverridesTheCodebookPerLayer() throws IOException {
        Path config = folder.resolve("layers.yaml");
        Files.writeString(config, "codebook: adaptive:2\nlayers:\n  fc1: adaptive:4\n  fc3: 'fixed:-0.5,0,0.5'\n");
        Path output = folder.resolve("layers.npz");
        CliRunner result = compressFor(
                "layers",
                "--config",
                config.toString(),
                "--mu-steps",
                "1",
                "--epochs-per-step",
                "1",
                "--output",
                output.toString());
        assertEquals(0, result.exitCode(), result.err());
        Weights quantized = WeightsFile.read(output, ModelZoo.lenet300Tanh());
        assertEquals(4, distinct(quantized, "fc1.weight"));
        assertEquals(2, distinct(quantized, "fc2.weight"));
        assertTrue(distinct(quantized, "fc3.weight") <= 3);
        for (float value : quantized.get("fc3.weight")) {
            assertTrue(value == -0.5f || value == 0 || value == 0.5f, "fc3 off its fixed codebook: " + value);
        }
    }

    @Test
    void badLayerSpecsAndBudgetsAreOneErrorEachAndWriteNothing() {
        Path output = folder.resolve("never.npz");
        // each case: its options, then after "=>" what the error must say
        String[][] cases = {
            {"--layer", "fc9=adaptive:2", "=>", "'fc9'", "fc1, fc2, fc3"},
            {"--layer", "fc1=adaptve:2", "=>", "--layer fc1=adaptve:2", "'float'"},
            {"--bits-per-weight", "1", "--codebook", "adaptive:2", "=>", "no layer does", "--codebook auto"},
            {"--bits-per-weight", "0.0001", "=>", "too small", "bits"},
            {"--bits-per-weight", "1", "--rho", "30", "=>", "two budgets", "give one"},
        };
        for (String[] bad : cases) {
            int arrow = java.util.Arrays.asList(bad).indexOf("=>");
            java.util.List<String> arguments =
                    new java.util.ArrayList<>(java.util.Arrays.asList(bad).subList(0, arrow));
            java.util.List<String> expected = java.util.Arrays.asList(bad).subList(arrow + 1, bad.length);
            arguments.addAll(java.util.List.of("--output", output.toString()));
            CliRunner result = compressFor("bad", arguments.toArray(String[]::new));
            assertEquals(2, result.exitCode(), String.join(" ", bad) + ": " + result.err());
            for (String text : expected) {
                assertTrue(result.err().contains(text), "expected '" + text + "' in: " + result.err());
            }
            assertTrue(!result.err().contains("\tat "), result.err());
            assertTrue(!Files.exists(output), "no output may be written");
        }
    }

    @Test
    void theTrainingSetIsEvaluatedOnlyAtTheEndWhenAskedAndVerboseSaysWhereTheTimeWent() throws IOException {
        CliRunner result = compressFor(
                "at-end",
                "--train-evaluation",
                "end",
                "--mu-steps",
                "2",
                "--epochs-per-step",
                "1",
                "--tolerance",
                "0",
                "--verbose");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(
                result.out().contains("L-step compute") && result.out().contains("waiting for minibatches"),
                result.out());
        com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(folder.resolve("at-end.json").toFile());
        com.fasterxml.jackson.databind.JsonNode iterations = report.get("iterations");
        assertEquals(3, iterations.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(0, iterations.get(i).get("train").get("samples").asInt(), "iteration " + i);
        }
        assertTrue(iterations.get(2).get("train").get("samples").asInt() > 0, "the final net is evaluated");
        assertTrue(iterations.get(1).has("dataMillis"), iterations.get(1).toString());
        for (String part : java.util.List.of(
                "totalMillis",
                "lStepComputeMillis",
                "dataMillis",
                "cStepMillis",
                "evaluationMillis",
                "checkpointMillis",
                "otherMillis")) {
            assertTrue(report.get("time").has(part), "time." + part + " in " + report.get("time"));
        }
        CliRunner bad = compressFor("bad-evaluation", "--train-evaluation", "sometimes");
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("--train-evaluation") && bad.err().contains("sample:N"), bad.err());
    }

    @Test
    void aRunStopsOnceConvergedAndSaysWhy() throws IOException {
        CliRunner result = compressFor(
                "converged", "--mu0", "0.5", "--mu-factor", "4", "--mu-steps", "30", "--epochs-per-step", "1");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("converged at iteration"), result.out());
        String json = Files.readString(folder.resolve("converged.json"));
        assertTrue(json.contains("\"stop\" : \"converged\"") || json.contains("\"stop\": \"converged\""), json);
        assertTrue(!json.contains("\"iteration\" : 30") && !json.contains("\"iteration\": 30"), "ran to the cap");
        assertTrue(json.contains("finalConstraintViolation") && json.contains("assignmentChanges"), json);
    }

    @Test
    void aRunAtItsCapSaysItDidNotConvergeAndToleranceZeroRunsEverything() throws IOException {
        CliRunner capped = compressFor("capped", "--mu-steps", "2", "--epochs-per-step", "1");
        assertEquals(0, capped.exitCode(), capped.err());
        assertTrue(capped.out().contains("not converged: stopped at the cap of 2 iterations"), capped.out());
        CliRunner fixed = compressFor(
                "fixed",
                "--mu0",
                "0.5",
                "--mu-factor",
                "4",
                "--mu-steps",
                "12",
                "--epochs-per-step",
                "1",
                "--tolerance",
                "0");
        assertEquals(0, fixed.exitCode(), fixed.err());
        assertTrue(fixed.out().contains("ran all 12 iterations"), fixed.out());
    }

    @Test
    void thePaperScheduleSetsWhatIsNotGiven() throws IOException {
        CliRunner result = compressFor(
                "paper",
                "--schedule",
                "paper",
                "--mu-steps",
                "1",
                "--first-step-epochs",
                "1",
                "--epochs-per-step",
                "1");
        assertEquals(0, result.exitCode(), result.err());
        String json = Files.readString(folder.resolve("paper.json")).replaceAll("\\s+", "");
        for (String setting : new String[] {
            "\"mu0\":9.0E-5",
            "\"mu-factor\":1.1",
            "\"lr\":0.09",
            "\"lr-decay\":0.98",
            "\"batch\":256",
            "\"tolerance\":0.0",
            "\"mu-steps\":1",
            "\"epochs-per-step\":1",
            "\"nesterov\":true"
        }) {
            assertTrue(json.contains(setting), "report lacks " + setting + ": " + json);
        }
        CliRunner wrong = compressFor("bad", "--schedule", "papper");
        assertEquals(2, wrong.exitCode(), wrong.err());
        assertTrue(wrong.err().contains("--schedule must be 'default' or 'paper'"), wrong.err());
    }

    /** A codebook value as the report writes it: the shortest decimal that reads back as the float. */
    private static String jsonNumber(float value) {
        return Float.toString(value);
    }

    @Test
    void demoPrintsItsTable() {
        CliRunner result = CliRunner.run(
                "demo", "--reference-epochs", "1", "--mu-steps", "2", "--epochs-per-step", "1", "--threads", "2");
        assertEquals(0, result.exitCode(), result.err());
        for (String row : new String[] {"reference", "DC  adaptive:2", "LC  adaptive:2", "30.5"}) {
            assertTrue(result.out().contains(row), "demo table lacks '" + row + "':\n" + result.out());
        }
    }

    @Test
    void backendsListsThePureJavaBackend() {
        CliRunner result = CliRunner.run("backends");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("cpu-java") && result.out().contains("available"), result.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"qp", "idc", "ste", "dc"})
    void everyMethodEndsOnTheCodebookAndIsNamedInTheTable(String method) throws IOException {
        Path output = folder.resolve("method-" + method + ".npz");
        Path report = folder.resolve("method-" + method + ".json");
        CliRunner result = CliRunner.run(
                "compress",
                "--reference",
                reference.toString(),
                "--data",
                "embedded",
                "--method",
                method,
                "--k",
                "2",
                "--mu-steps",
                "2",
                "--epochs-per-step",
                "1",
                "--threads",
                "2",
                "--output",
                output.toString(),
                "--report",
                report.toString());
        assertEquals(0, result.exitCode(), result.err());
        String label = io.github.lc4j.api.CompressionMethod.byKey(method).label();
        assertTrue(
                result.out()
                        .contains(label + (label.length() < 4 ? " ".repeat(4 - label.length()) : " ") + "adaptive:2"),
                result.out());
        assertTrue(Files.readString(report).contains("\"method\": \"" + method + "\""), Files.readString(report));
        Weights quantized = WeightsFile.read(output, ModelZoo.lenet300Tanh());
        Set<Float> distinct = new TreeSet<>();
        for (float value : quantized.get("fc1.weight")) {
            distinct.add(value);
        }
        assertEquals(2, distinct.size(), method + ": fc1.weight must take exactly 2 values: " + distinct);
        assertEquals(
                method.equals("dc") ? 1 : 3,
                Files.readString(report).split("\"iteration\"", -1).length - 1,
                "iterations in the report");
    }

    @Test
    void anUnknownMethodIsNamedWithTheValidOnes() {
        CliRunner result =
                CliRunner.run("compress", "--reference", reference.toString(), "--data", "embedded", "--method", "sgd");
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("unknown method 'sgd'; choose one of [lc, qp, idc, ste, dc]"), result.err());
    }

    @Test
    void sgdOptionsKeepTheOtherDefaultsWhenOneIsGiven() throws IOException {
        Path trained = folder.resolve("lr.npz");
        CliRunner train = CliRunner.run(
                "train",
                "--data",
                "embedded",
                "--epochs",
                "1",
                "--lr",
                "0.05",
                "--threads",
                "2",
                "--output",
                trained.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.err().contains("SGD(lr=0.05·0.95^k, momentum=0.9 nesterov, batch=128)"), train.err());
        CliRunner compress = CliRunner.run(
                "compress",
                "--reference",
                trained.toString(),
                "--data",
                "embedded",
                "--mu-steps",
                "1",
                "--epochs-per-step",
                "1",
                "--batch",
                "256",
                "--threads",
                "2");
        assertEquals(0, compress.exitCode(), compress.err());
        assertTrue(compress.err().contains("lr=0.05·0.98^k") && compress.err().contains("batch=256"), compress.err());
    }

    @Test
    void perChannelCodebooksPutKValuesInEveryColumn() throws IOException {
        Path output = folder.resolve("channel.npz");
        CliRunner result = CliRunner.run(
                "compress",
                "--reference",
                reference.toString(),
                "--data",
                "embedded",
                "--granularity",
                "channel",
                "--k",
                "2",
                "--mu-steps",
                "1",
                "--epochs-per-step",
                "1",
                "--threads",
                "2",
                "--output",
                output.toString());
        assertEquals(0, result.exitCode(), result.err());
        ModelSpec model = ModelZoo.lenet300Tanh();
        Weights quantized = WeightsFile.read(output, model);
        var fc2 = model.parameter("fc2.weight");
        Set<Float> all = new TreeSet<>();
        for (int channel = 0; channel < fc2.outputChannels(); channel++) {
            Set<Float> column = new TreeSet<>();
            for (int position : fc2.channelPositions(channel)) {
                column.add(quantized.get("fc2.weight")[position]);
            }
            assertEquals(2, column.size(), "column " + channel + " of fc2.weight: " + column);
            all.addAll(column);
        }
        assertTrue(all.size() > 2, "each column has its own codebook");
        assertTrue(result.out().contains("27.9"), "ρ pays for 410 codebooks: " + result.out());
        CliRunner both = CliRunner.run(
                "compress",
                "--reference",
                reference.toString(),
                "--data",
                "embedded",
                "--granularity",
                "channel",
                "--shared");
        assertEquals(2, both.exitCode(), both.err());
        assertTrue(both.err().contains("--shared and --granularity channel exclude each other"), both.err());
    }

    @Test
    void aRunDescribedInAFileIsOverriddenByTheCommandLineAndRecordedInTheReport() throws IOException {
        Path config = folder.resolve("run.yaml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "# every key is a compress option without '--'",
                        "reference: " + reference,
                        "data: embedded",
                        "k: 4",
                        "method: idc",
                        "mu-steps: 1",
                        "epochs-per-step: 1",
                        "threads: 2",
                        "backend-property: {}",
                        ""));
        Path report = folder.resolve("configured.json");
        CliRunner result = CliRunner.run(
                "compress", "--config", config.toString(), "--method", "ste", "--report", report.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("STE adaptive:4"), "the command line's --method wins: " + result.out());
        String json = Files.readString(report);
        assertTrue(
                json.contains("\"mu-steps\": 1") && json.contains("\"k\": 4") && json.contains("\"method\": \"ste\""),
                "the resolved options are in the report: " + json);

        Path jsonConfig = folder.resolve("run.json");
        Files.writeString(
                jsonConfig,
                "{\"reference\": \"" + reference + "\", \"data\": \"embedded\","
                        + " \"mu-steps\": 1, \"epochs-per-step\": 1, \"method\": \"dc\"}");
        CliRunner fromJson = CliRunner.run("compress", "--config", jsonConfig.toString());
        assertEquals(0, fromJson.exitCode(), fromJson.err());
        assertTrue(fromJson.out().contains("DC  adaptive:2"), fromJson.out());
        CliRunner afterVerbose = CliRunner.run("--verbose", "compress", "--config", jsonConfig.toString());
        assertEquals(0, afterVerbose.exitCode(), afterVerbose.err());
        assertTrue(
                afterVerbose.out().contains("DC  adaptive:2"),
                "the file applies after a root option too: " + afterVerbose.out());
    }

    @Test
    void anUnknownConfigKeyIsNamedWithTheValidOnes() throws IOException {
        Path config = folder.resolve("typo.yaml");
        Files.writeString(config, "mu-step: 3\n");
        CliRunner result = CliRunner.run("compress", "--config", config.toString());
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(
                result.err()
                                .contains(
                                        "unknown key 'mu-step' for 'lc4j compress' (did you mean 'mu-steps'?); valid keys:")
                        && result.err().contains("mu-steps"),
                result.err());
        Files.writeString(config, "- just\n- a list\n");
        CliRunner list = CliRunner.run("compress", "--config", config.toString());
        assertEquals(2, list.exitCode(), list.err());
        assertTrue(list.err().contains("must hold a mapping"), list.err());
        CliRunner missing =
                CliRunner.run("train", "--config", folder.resolve("nope.yaml").toString());
        assertEquals(2, missing.exitCode(), missing.err());
        assertTrue(missing.err().contains("does not exist"), missing.err());
    }

    @Test
    void theReadmesExampleConfigHoldsEveryKeyOfCompressAndNoOther() throws IOException {
        picocli.CommandLine compress = new picocli.CommandLine(new CompressCommand());
        Path example = Path.of("..", "docs", "compress-example.yaml");
        RunConfig.read(example, compress.getCommandSpec());
        java.util.List<String> lines = Files.readAllLines(example);
        for (String key : RunConfig.keys(compress.getCommandSpec())) {
            assertTrue(
                    lines.stream().anyMatch(line -> line.startsWith(key + ":") || line.startsWith("# " + key + ":")),
                    "docs/compress-example.yaml lacks the key '" + key + "'");
        }
    }
}
