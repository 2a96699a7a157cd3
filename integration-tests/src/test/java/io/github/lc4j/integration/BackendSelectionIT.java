package io.github.lc4j.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Choosing a backend by classpath: each scenario is a fresh JVM holding lc-core plus exactly the
 * backends (and natives) under test, since a native library can live in only one class loader
 * per JVM.
 */
class BackendSelectionIT {
    private static final List<String> ALL =
            Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));

    private static boolean isBackend(String entry, String backend) {
        return Path.of(entry).getFileName().toString().startsWith(backend) || entry.contains("/" + backend + "/");
    }

    /** Returns the class path without the backends (and native jars) not in {@code keep}. */
    private static List<String> classPath(Set<String> keep, Predicate<String> alsoDrop) {
        List<String> backends = List.of("backend-cpu-java", "backend-nd4j", "backend-tensorflow");
        return ALL.stream()
                .filter(entry -> backends.stream().noneMatch(b -> !keep.contains(b) && isBackend(entry, b)))
                .filter(alsoDrop.negate())
                .collect(Collectors.toList());
    }

    private record Outcome(String selected, String error, String output) {}

    private static Outcome probe(List<String> classPath, Map<String, String> environment, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        arguments = arguments.clone();
        List<String> programArguments = new ArrayList<>();
        for (String argument : arguments) {
            if (argument.startsWith("-D")) {
                command.add(argument);
            } else {
                programArguments.add(argument);
            }
        }
        command.addAll(List.of("-cp", String.join(File.pathSeparator, classPath), SelectionProbe.class.getName()));
        command.addAll(programArguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("LC4J_BACKEND");
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        String selected = null;
        String error = null;
        for (String line : output.split("\n")) {
            if (line.startsWith("selected=")) {
                selected = line.substring("selected=".length());
            } else if (line.startsWith("error=")) {
                error = line.substring("error=".length());
            }
        }
        return new Outcome(selected, error, output);
    }

    private static final Predicate<String> NOTHING = entry -> false;

    @Test
    void eachBackendAloneIsFoundAndChosen() throws Exception {
        for (String backend : List.of("backend-cpu-java", "backend-nd4j", "backend-tensorflow")) {
            Outcome outcome = probe(classPath(Set.of(backend), NOTHING), Map.of());
            assertEquals(backend.substring("backend-".length()), outcome.selected(), outcome.output());
        }
    }

    @Test
    void noBackendSaysHowToAddOne() throws Exception {
        Outcome outcome = probe(classPath(Set.of(), NOTHING), Map.of());
        assertTrue(
                outcome.error() != null && outcome.error().contains("io.github.lc4j:backend-cpu-java"),
                outcome.output());
    }

    @Test
    void withSeveralRankThenPropertyThenEnvironmentDecide() throws Exception {
        List<String> all = classPath(Set.of("backend-cpu-java", "backend-nd4j", "backend-tensorflow"), NOTHING);
        assertEquals("tensorflow", probe(all, Map.of()).selected(), "lowest rank wins");
        assertEquals("cpu-java", probe(all, Map.of("LC4J_BACKEND", "cpu-java")).selected(), "environment variable");
        assertEquals(
                "nd4j",
                probe(all, Map.of("LC4J_BACKEND", "cpu-java"), "-Dlc4j.backend=nd4j")
                        .selected(),
                "system property beats the environment");
        assertEquals(
                "cpu-java",
                probe(all, Map.of(), "-Dlc4j.backend=nd4j", "cpu-java").selected(),
                "an explicit name beats the property");
    }

    @Test
    void backendWhoseNativesFailIsSkippedWithItsReasonUnlessAskedFor() throws Exception {
        Predicate<String> noTensorFlowNatives =
                entry -> entry.contains("tensorflow-core-native") && entry.contains("linux-x86_64");
        List<String> path = classPath(Set.of("backend-cpu-java", "backend-tensorflow"), noTensorFlowNatives);
        Outcome skipped = probe(path, Map.of());
        assertEquals("cpu-java", skipped.selected(), skipped.output());
        assertTrue(
                skipped.output().contains("status tensorflow=unavailable: tensorflow could not load"),
                skipped.output());
        Outcome asked = probe(path, Map.of(), "tensorflow");
        assertTrue(
                asked.error() != null
                        && asked.error().contains("backend 'tensorflow' is unavailable")
                        && asked.error().contains("cpu-java is available"),
                asked.output());
    }
}
