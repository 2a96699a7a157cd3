package io.github.lc4j.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.cli.Lc4jCommand;
import io.github.lc4j.core.WeightInitializer;
import io.github.lc4j.core.io.WeightsFile;
import io.github.lc4j.core.zoo.ModelZoo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line with every backend on the classpath: backend properties are checked against each backend's keys. */
class CommandLineBackendPropertiesIT {
    @TempDir
    Path folder;

    private record Outcome(int exitCode, String out, String err) {}

    private static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Lc4jCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void aMisspeltNd4jPropertyExitsTwoNamingTheValidKeys() {
        Path reference = folder.resolve("reference.npz");
        WeightsFile.write(reference, ModelZoo.lenet300Tanh(), WeightInitializer.initialize(ModelZoo.lenet300Tanh(), 1));
        Path output = folder.resolve("q.npz");
        Outcome outcome = run(
                "compress",
                "--backend",
                "nd4j",
                "--backend-property",
                "nd4j.blas.thread=2",
                "--reference",
                reference.toString(),
                "--data",
                "embedded",
                "--output",
                output.toString());
        assertEquals(2, outcome.exitCode(), outcome.err());
        assertTrue(
                outcome.err()
                        .contains("unknown backend property 'nd4j.blas.thread' for backend nd4j; valid keys:"
                                + " nd4j.blas.threads, nd4j.op.threads"),
                outcome.err());
        assertTrue(!Files.exists(output), "no output may be written");
    }

    @Test
    void theBackendsCommandListsEachBackendsKeys() {
        Outcome outcome = run("backends");
        assertEquals(0, outcome.exitCode(), outcome.err());
        for (String key : new String[] {"nd4j.blas.threads", "nd4j.op.threads", "tensorflow.device"}) {
            assertTrue(outcome.out().contains(key), "'lc4j backends' should list " + key + ": " + outcome.out());
        }
    }
}
