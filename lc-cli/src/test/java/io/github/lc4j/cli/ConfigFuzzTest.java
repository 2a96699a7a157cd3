package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded mutation fuzzing of run configurations through the whole command line: a mutated YAML or
 * JSON file given to {@code lc4j compress --config} must end in exit code 2 with lc4j's one-line
 * error (the seeds name a reference that does not exist, so no run starts), within 5 s: never an
 * internal error (exit 1), an exception escaping, a hang, or a file written.
 *
 * <p>{@code -Dlc4j.fuzz.inputs} inputs per format (default 2,000 in {@code mvn verify};
 * {@code mvn -Pfuzz verify -pl lc-cli} runs 100,000). Failing inputs go to
 * {@code target/fuzz-findings/}.
 */
class ConfigFuzzTest {
    static final int INPUTS = Integer.getInteger("lc4j.fuzz.inputs", 2_000);
    static final long SLOW_INPUT_NANOS = 5_000_000_000L;

    @TempDir
    static Path folder;

    static String yaml() {
        return """
                reference: /nonexistent/ref.npz
                model: lenet300
                data: embedded
                codebook: adaptive
                k: 2
                granularity: layer
                method: lc
                mu0: 0.005
                mu-factor: 1.3
                mu-steps: 20
                epochs-per-step: 3
                lr: 0.05
                batch: 128
                momentum: 0.9
                nesterov: true
                seed: 1
                threads: 2
                backend: cpu-java
                backend-property: {}
                checkpoint-minutes: 5
                report: OUT/run.json
                output: OUT/q.npz
                """;
    }

    static String json() {
        return """
                {"reference": "/nonexistent/ref.npz", "model": "lenet5", "codebook": "ternary-scaled",
                 "method": "ste", "mu-steps": 3, "shared": false, "seed": 7, "threads": 1,
                 "backend-property": {"cpu-java.threads": "1"}, "checkpoint": "OUT/ck",
                 "output": "OUT/q.npz", "granularity": "channel", "lr-decay": 0.9}
                """;
    }

    @ParameterizedTest
    @ValueSource(strings = {"yaml", "json"})
    void mutatedConfigsEndInOneClearErrorAndWriteNothing(String format) throws IOException {
        Path out = Files.createDirectories(folder.resolve("out-" + format));
        String seed = (format.equals("yaml") ? yaml() : json()).replace("OUT", out.toString());
        SplittableRandom random = new SplittableRandom(format.hashCode());
        Map<String, Integer> failures = new TreeMap<>();
        assertEquals(null, outcome(seed.getBytes(StandardCharsets.UTF_8), format), "the seed itself");
        for (int i = 0; i < INPUTS; i++) {
            byte[] input = mutate(seed, random);
            String outcome = outcome(input, format);
            if (outcome != null && failures.merge(outcome, 1, Integer::sum) == 1) {
                Path findings = Files.createDirectories(Path.of("target", "fuzz-findings", "config-" + format));
                Files.write(findings.resolve("input-" + i + "." + format), input);
            }
        }
        try (Stream<Path> written = Files.list(out)) {
            assertEquals(List.of(), written.toList(), "a rejected config wrote files");
        }
        System.out.printf("fuzz config-%s: %d inputs, %d distinct failures%n", format, INPUTS, failures.size());
        assertTrue(failures.isEmpty(), format + ": " + failures + " (inputs in target/fuzz-findings/)");
    }

    /** Returns null when the command line rejected the file with exit 2 and one error line, else what went wrong. */
    private static String outcome(byte[] input, String format) throws IOException {
        Path file = Files.createTempFile(folder, "fuzz", "." + format);
        Files.write(file, input);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long start = System.nanoTime();
        int code;
        try {
            code = Lc4jCommand.execute(
                    new String[] {"compress", "--config", file.toString()},
                    new PrintWriter(out, true),
                    new PrintWriter(err, true));
        } catch (Throwable escaped) {
            StackTraceElement top = escaped.getStackTrace().length > 0 ? escaped.getStackTrace()[0] : null;
            return "escaped " + escaped.getClass().getName() + " at " + top;
        } finally {
            Files.delete(file);
        }
        if (System.nanoTime() - start > SLOW_INPUT_NANOS) {
            return "slower than 5 s";
        }
        if (code != Lc4jCommand.BAD_INPUT) {
            String first = err.toString().lines().findFirst().orElse("");
            return "exit " + code + ": " + first.replaceAll("[0-9]+", "N").replaceAll("'.*'", "'…'");
        }
        if (!err.toString().startsWith("lc4j: ")) {
            return "error without the lc4j: prefix";
        }
        return null;
    }

    private static final String TOKENS = ":{}[],\"'#&*!|>-?% \n\t0123456789.eE+truefalsnl~@`$";

    /** One to four edits of {@code seed}: characters, whole lines, truncation, YAML/JSON syntax. */
    static byte[] mutate(String seed, SplittableRandom random) {
        StringBuilder text = new StringBuilder(seed);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && text.length() > 0; e++) {
            int position = random.nextInt(text.length());
            switch (random.nextInt(7)) {
                case 0 -> text.setCharAt(position, TOKENS.charAt(random.nextInt(TOKENS.length())));
                case 1 -> text.insert(position, TOKENS.charAt(random.nextInt(TOKENS.length())));
                case 2 -> text.delete(position, Math.min(text.length(), position + 1 + random.nextInt(8)));
                case 3 -> text.setLength(position);
                case 4 -> {
                    int lineStart = text.lastIndexOf("\n", position) + 1;
                    int lineEnd = text.indexOf("\n", lineStart);
                    String line = text.substring(lineStart, lineEnd < 0 ? text.length() : lineEnd);
                    text.insert(lineStart, line + "\n");
                }
                case 5 ->
                    text.insert(
                            position,
                            List.of("999999999999", "-1", "NaN", "1e309", "0", "\u0000", "&a [*a, *a]")
                                    .get(random.nextInt(7)));
                default -> text.insert(position, "${sys:user.home}");
            }
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(20) == 0 && bytes.length > 0) {
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        return bytes;
    }
}
