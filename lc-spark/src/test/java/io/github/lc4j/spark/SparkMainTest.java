package io.github.lc4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit entry point: lc4j's compress with the L step on Spark, and its errors. */
class SparkMainTest {
    private static final ModelSpec MODEL = ModelZoo.lenet300Tanh();

    @TempDir
    static Path folder;

    private static Path reference;

    @BeforeAll
    static void writeReference() {
        reference = folder.resolve("reference.npz");
        Lc4j.writeWeights(reference, MODEL, WeightInitializer.initialize(MODEL, 1));
        // SparkMain starts its own context; a JVM holds one at a time
        SparkTestContext.stop();
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run compress(String... options) {
        List<String> args = new ArrayList<>(List.of(
                "compress",
                "--model",
                "lenet300",
                "--reference",
                reference.toString(),
                "--threads",
                "1",
                "--spark-master",
                "local[2]",
                "--mu-steps",
                "2",
                "--epochs-per-step",
                "1"));
        args.addAll(List.of(options));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                SparkMain.execute(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void compressTrainsOnSparkAndWritesTheQuantizedNet() throws Exception {
        Path output = folder.resolve("quantized.npz");
        Run run = compress(
                "--data",
                "embedded",
                "--spark-mode",
                "average",
                "--local-steps",
                "3",
                "--partitions",
                "2",
                "--output",
                output.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("L step on Spark (local[2])"), run.err());
        assertTrue(run.err().contains("average mode with 3 local steps"), run.err());
        assertTrue(run.out().contains("LC  adaptive:2"), run.out());
        float[] first = Lc4j.readWeights(output, MODEL).get("fc1.weight");
        assertTrue(
                java.util.Arrays.stream(toDoubles(first)).distinct().count() <= 2,
                "every weight of fc1 is one of K = 2 values");
        assertTrue(Files.size(output) > 0);
    }

    @Test
    void anUnreachableDataPathIsOneErrorAndExitCodeTwo() {
        Path output = folder.resolve("never.npz");
        Run run = compress("--data", "/no/such/folder", "--output", output.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("lc4j: error: data directory /no/such/folder does not exist"), run.err());
        assertEquals(
                1,
                run.err().lines().filter(line -> line.startsWith("lc4j: error")).count(),
                run.err());
        assertFalse(Files.exists(output), "no output for a failed run");
    }

    @Test
    void localStepsInSyncModeIsABadOption() {
        Run run = compress("--data", "embedded", "--local-steps", "4");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("--local-steps 4 needs --spark-mode average"), run.err());
        Run mode = compress("--data", "embedded", "--spark-mode", "gossip");
        assertEquals(2, mode.exitCode(), mode.err());
        assertTrue(mode.err().contains("--spark-mode must be sync or average, got 'gossip'"), mode.err());
    }

    private static double[] toDoubles(float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return doubles;
    }
}
