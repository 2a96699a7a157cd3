package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.io.CheckpointStore;
import io.github.lc4j.core.io.WeightsFile;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compress process killed with SIGKILL, inside an L step or while writing a checkpoint, resumes
 * with {@code --resume} and ends with the same quantized weights, bit for bit, as a run that was
 * never killed. The child process pauses at a fixed checkpoint before it is killed, so the test
 * does not depend on timing.
 */
class KillAndResumeTest {
    @TempDir
    static Path folder;

    static Path reference;
    static Path uninterrupted;

    @BeforeAll
    static void referenceAndUninterruptedRun() {
        reference = folder.resolve("reference.npz");
        CliRunner trained = CliRunner.run(
                "train", "--data", "embedded", "--epochs", "1", "--threads", "2", "--output", reference.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        uninterrupted = folder.resolve("uninterrupted.npz");
        CliRunner run = CliRunner.run(compress(uninterrupted, List.of()));
        assertEquals(0, run.exitCode(), run.err());
    }

    private static String[] compress(Path output, List<String> more) {
        List<String> args = new ArrayList<>(List.of(
                "compress",
                "--backend",
                "cpu-java",
                "--reference",
                reference.toString(),
                "--data",
                "embedded",
                "--method",
                "lc",
                "--mu-steps",
                "2",
                "--epochs-per-step",
                "1",
                "--momentum",
                "0.9",
                "--threads",
                "2",
                "--seed",
                "3",
                "--output",
                output.toString()));
        args.addAll(more);
        return args.toArray(String[]::new);
    }

    @Test
    void killedInsideAnLStepItResumesBitForBit() throws Exception {
        Path checkpoints = folder.resolve("inside-l-step");
        Path output = folder.resolve("killed-in-l-step.npz");
        // checkpoint 1 follows direct compression, checkpoints 2.. follow each minibatch of L step 1
        killAt("after:5", checkpoints, output);
        assertResumesToTheUninterruptedWeights(checkpoints, output);
    }

    @Test
    void killedWhileWritingACheckpointItResumesFromThePreviousOne() throws Exception {
        Path checkpoints = folder.resolve("inside-write");
        Path output = folder.resolve("killed-in-write.npz");
        killAt("before-manifest:4", checkpoints, output);
        try (Stream<Path> files = Files.list(checkpoints)) {
            List<String> names =
                    files.map(path -> path.getFileName().toString()).sorted().toList();
            assertTrue(names.contains("checkpoint-000003.lc4j"), names.toString());
            assertFalse(names.contains("checkpoint-000004.lc4j"), "a half-written checkpoint has its final name");
            assertTrue(names.stream().anyMatch(name -> name.endsWith(".partial")), "the kill left no partial file");
        }
        assertResumesToTheUninterruptedWeights(checkpoints, output);
    }

    private static void killAt(String pause, Path checkpoints, Path output) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + CheckpointStore.PAUSE_PROPERTY + "=" + pause,
                "-cp",
                System.getProperty("java.class.path"),
                Lc4jCommand.class.getName()));
        command.addAll(List.of(
                compress(output, List.of("--checkpoint", checkpoints.toString(), "--checkpoint-minutes", "0"))));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Boolean> paused = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.contains("lc4j-test: paused at checkpoint " + pause)) {
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
        try {
            assertTrue(paused.get(3, TimeUnit.MINUTES), "the child never reached checkpoint " + pause);
        } finally {
            // SIGKILL: no shutdown hook, no finally block runs in the child
            process.destroyForcibly();
            process.waitFor(1, TimeUnit.MINUTES);
        }
        assertEquals(137, process.exitValue(), "the child was not killed by SIGKILL");
        assertFalse(Files.exists(output), "a killed run left an output file");
    }

    private static void assertResumesToTheUninterruptedWeights(Path checkpoints, Path output) throws IOException {
        CliRunner resumed = CliRunner.run(compress(output, List.of("--resume", checkpoints.toString())));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("resuming from"), resumed.err());
        ModelSpec model = ModelZoo.lenet300Tanh();
        Weights expected = WeightsFile.read(uninterrupted, model);
        Weights actual = WeightsFile.read(output, model);
        for (ParameterSpec parameter : model.parameters()) {
            assertArrayEquals(expected.get(parameter.name()), actual.get(parameter.name()), 0f, parameter.name());
        }
    }

    @Test
    void ctrlCWritesACheckpointSaysHowToResumeAndExits130() throws Exception {
        assumeFalse(
                interruptIgnored(),
                "this build runs with SIGINT ignored (e.g. a background job of a non-interactive shell): a child"
                        + " inherits that, so no Ctrl-C can reach it; run the build in the foreground to test it");
        Path checkpoints = folder.resolve("ctrl-c");
        Path output = folder.resolve("ctrl-c.npz");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Lc4jCommand.class.getName()));
        command.addAll(List.of(compress(output, List.of("--checkpoint", checkpoints.toString()))));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean signalled = false;
            while ((line = lines.readLine()) != null) {
                log.append(line).append('\n');
                // direct compression is done and the first L step (63 minibatches) is starting
                if (!signalled && line.contains("DC ")) {
                    new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                            .start()
                            .waitFor();
                    signalled = true;
                }
            }
        } finally {
            process.waitFor(2, TimeUnit.MINUTES);
            process.destroyForcibly();
        }
        assertEquals(130, process.exitValue(), log.toString());
        assertTrue(log.toString().contains("--resume " + checkpoints), log.toString());
        assertFalse(Files.exists(output), "a stopped run left an output file");
        CheckpointStore.Loaded last = new CheckpointStore(checkpoints).readLatest();
        assertTrue(last.checkpoint().position().training(), "the stop checkpoint is inside the L step: " + last);
        assertResumesToTheUninterruptedWeights(checkpoints, output);
    }

    /**
     * Whether this process ignores SIGINT (Linux's {@code SigIgn} mask, bit 2): a JVM started so
     * keeps ignoring it and installs no handler, and so does every child it starts.
     */
    static boolean interruptIgnored() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(
                                        line.substring("SigIgn:".length()).strip(), 16)
                                & 0x2)
                        != 0;
            }
        }
        return false;
    }

    @Test
    void aResumeFromDamagedCheckpointsExits2NamingEachFile() throws Exception {
        Path checkpoints = Files.createDirectories(folder.resolve("damaged"));
        Files.write(checkpoints.resolve("checkpoint-000001.lc4j"), new byte[] {'P', 'K', 3, 4, 1, 2});
        Path output = folder.resolve("damaged.npz");
        CliRunner result = CliRunner.run(compress(output, List.of("--resume", checkpoints.toString())));
        assertEquals(Lc4jCommand.BAD_INPUT, result.exitCode(), result.err());
        assertTrue(
                result.err().contains("lc4j: error: checkpoint folder " + checkpoints + " holds no intact"),
                result.err());
        assertTrue(result.err().contains("checkpoint-000001.lc4j"), result.err());
        assertFalse(result.err().contains("\tat "), "no stack trace without --verbose: " + result.err());
        assertFalse(Files.exists(output), "a refused resume wrote an output file");
    }

    @Test
    void aResumeWithOtherOptionsIsRefusedNamingThem() throws Exception {
        Path checkpoints = folder.resolve("other-options");
        Path output = folder.resolve("other.npz");
        CliRunner first = CliRunner.run(compress(output, List.of("--checkpoint", checkpoints.toString())));
        assertEquals(0, first.exitCode(), first.err());
        List<String> changed = new ArrayList<>(List.of(compress(output, List.of("--resume", checkpoints.toString()))));
        changed.set(changed.indexOf("--seed") + 1, "4");
        changed.set(changed.indexOf("--momentum") + 1, "0.5");
        Files.delete(output);
        CliRunner refused = CliRunner.run(changed.toArray(String[]::new));
        assertEquals(Lc4jCommand.BAD_INPUT, refused.exitCode(), refused.err());
        assertTrue(refused.err().contains("seed: checkpoint 3, this run 4"), refused.err());
        assertTrue(refused.err().contains("optimizer: checkpoint"), refused.err());
        assertFalse(Files.exists(output), "a refused resume wrote an output file");
    }
}
