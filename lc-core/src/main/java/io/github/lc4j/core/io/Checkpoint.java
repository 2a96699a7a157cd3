package io.github.lc4j.core.io;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.IterationRecord;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Everything an LC run needs to continue exactly where it stopped: the run's settings (compared on
 * resume), where it stopped, the trainer's weights and momentum, each compression group's
 * multipliers and C-step solution, and the history so far.
 *
 * <p>On disk a checkpoint is one zip archive of stored (uncompressed) entries: one {@code .npy}
 * per array and a last entry {@code manifest.json} holding the rest plus the SHA-256 of every
 * other entry. A file without its manifest (cut short) or with a checksum that does not match is
 * rejected as a whole.
 *
 * @param settings what the run was started with: model, tasks, method, schedule, data, backend
 * @param position where the run stopped
 * @param weights  the trainer's weights, by parameter name
 * @param momentum the trainer's momentum buffers, by parameter name
 * @param groups   the state of each compression group, in task order
 * @param history  the records of the iterations finished so far
 */
public record Checkpoint(
        Map<String, Object> settings,
        Position position,
        Map<String, float[]> weights,
        Map<String, float[]> momentum,
        List<Group> groups,
        List<IterationRecord> history) {
    /** The value of the manifest's {@code format} key. */
    public static final String FORMAT = "lc4j-checkpoint";
    /** The manifest version this class writes and reads. */
    public static final int VERSION = 1;

    private static final String MANIFEST = "manifest.json";

    /**
     * Where a run stopped. At an iteration boundary ({@code training} false) {@code iteration}
     * iterations are finished, their records are in the history, and the next L step starts
     * from its first minibatch. Inside training ({@code training} true) L step {@code iteration}
     * (from 0) has finished {@code batch} minibatches of its epoch {@code epoch}, {@code done}
     * minibatches in all with loss sum {@code lossSum}.
     *
     * @param training  whether the run stopped inside an L step (or iDC/STE training phase)
     * @param iteration finished iterations at a boundary, else the index of the running one
     * @param epoch     the epoch of the running iteration (0 at a boundary)
     * @param batch     minibatches finished in that epoch (0 at a boundary)
     * @param done      minibatches finished in the running iteration (0 at a boundary)
     * @param lossSum   the sum of their losses (0 at a boundary)
     */
    public record Position(boolean training, int iteration, int epoch, int batch, long done, double lossSum) {
        /** Checks the counts. */
        public Position {
            if (iteration < 0 || epoch < 0 || batch < 0 || done < 0 || !Double.isFinite(lossSum)) {
                throw new IllegalArgumentException("bad checkpoint position: iteration " + iteration + ", epoch "
                        + epoch + ", batch " + batch + ", done " + done + ", loss sum " + lossSum);
            }
        }

        /** The boundary after {@code finished} iterations. */
        public static Position boundary(int finished) {
            return new Position(false, finished, 0, 0, 0, 0);
        }
    }

    /**
     * One compression group's state: its multipliers λ and its last C-step solution.
     *
     * @param task           the task's name
     * @param multipliers    λ, in the group's concatenated layout
     * @param values         the effective codebook
     * @param scale          the learned scale, or NaN
     * @param assignments    each weight's index into {@code values}
     * @param reconstruction Δ(Θ)
     * @param distortion     ‖x − Δ(Θ)‖² of the C step
     * @param codebook       the codebook the group took (its choice, where it chooses), as
     *                       {@link io.github.lc4j.api.Codebook#describe()} writes it; null in older
     *                       checkpoints
     */
    public record Group(
            String task,
            float[] multipliers,
            float[] values,
            double scale,
            int[] assignments,
            float[] reconstruction,
            double distortion,
            String codebook) {
        /** Checks that the arrays fit each other. */
        public Group {
            requireNonNull(task, "task is null");
            requireNonNull(multipliers, "multipliers is null");
            requireNonNull(values, "values is null");
            requireNonNull(assignments, "assignments is null");
            requireNonNull(reconstruction, "reconstruction is null");
            if (assignments.length != multipliers.length || reconstruction.length != multipliers.length) {
                throw new IllegalArgumentException("group " + task + " has " + multipliers.length + " multipliers, "
                        + assignments.length + " assignments and " + reconstruction.length + " reconstructed values");
            }
            for (int a : assignments) {
                if (a < 0 || a >= values.length) {
                    throw new IllegalArgumentException(
                            "group " + task + " assigns codebook entry " + a + " of " + values.length);
                }
            }
        }
    }

    /**
     * Checks that nothing is null and that every momentum belongs to a weight of its size (running
     * statistics are weights without momentum).
     */
    public Checkpoint {
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(settings, "settings")));
        requireNonNull(position, "position is null");
        weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(weights, "weights")));
        momentum = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(momentum, "momentum")));
        groups = List.copyOf(requireNonNull(groups, "groups is null"));
        history = List.copyOf(requireNonNull(history, "history is null"));
        if (!weights.keySet().containsAll(momentum.keySet())) {
            throw new IllegalArgumentException(
                    "weights name " + weights.keySet() + " but momentum names " + momentum.keySet());
        }
        for (Map.Entry<String, float[]> entry : momentum.entrySet()) {
            if (entry.getValue().length != weights.get(entry.getKey()).length) {
                throw new IllegalArgumentException("weights and momentum of " + entry.getKey() + " differ in size");
            }
        }
    }

    /**
     * Returns one line per setting that differs between this checkpoint and {@code current},
     * e.g. {@code seed: checkpoint 1, this run 2}; empty when they agree.
     */
    public List<String> differencesFrom(Map<String, Object> current) {
        // through the JSON text, so that 1 (long) and 1 (read back as int) compare equal
        JsonNode saved = Json.readExact(Json.writeExact(settings), "the checkpoint's settings");
        JsonNode now = Json.readExact(Json.writeExact(current), "this run's settings");
        List<String> differences = new ArrayList<>();
        for (Iterator<String> keys = saved.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!saved.get(key).equals(now.get(key))) {
                differences.add(key + ": checkpoint " + saved.get(key) + ", this run "
                        + (now.has(key) ? now.get(key) : "(none)"));
            }
        }
        for (Iterator<String> keys = now.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!saved.has(key)) {
                differences.add(key + ": checkpoint (none), this run " + now.get(key));
            }
        }
        return differences;
    }

    // ------------------------------------------------------------------------------------ write

    /**
     * Writes this checkpoint to {@code file}, atomically and synced; {@code beforeManifest} runs
     * when every array is written and the manifest is not (a test stops the process there).
     */
    public void write(Path file, Runnable beforeManifest) {
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            zip.setMethod(ZipOutputStream.STORED);
            Map<String, String> checksums = new LinkedHashMap<>();
            weights.forEach((name, values) -> put(zip, "weights/" + name + ".npy", floats(values), checksums));
            momentum.forEach((name, values) -> put(zip, "momentum/" + name + ".npy", floats(values), checksums));
            List<Map<String, Object>> groupEntries = new ArrayList<>();
            for (int g = 0; g < groups.size(); g++) {
                Group group = groups.get(g);
                String prefix = "groups/" + g + "/";
                put(zip, prefix + "multipliers.npy", floats(group.multipliers()), checksums);
                put(zip, prefix + "values.npy", floats(group.values()), checksums);
                put(zip, prefix + "assignments.npy", floats(indices(group.assignments())), checksums);
                put(zip, prefix + "reconstruction.npy", floats(group.reconstruction()), checksums);
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("task", group.task());
                entry.put("scale", group.scale());
                entry.put("distortion", group.distortion());
                entry.put("codebook", group.codebook());
                groupEntries.add(entry);
            }
            out.flush();
            beforeManifest.run();
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("format", FORMAT);
            manifest.put("version", VERSION);
            manifest.put("settings", settings);
            manifest.put("position", position);
            manifest.put("parameters", List.copyOf(weights.keySet()));
            manifest.put("momentum", List.copyOf(momentum.keySet()));
            manifest.put("groups", groupEntries);
            manifest.put("history", history);
            manifest.put("sha256", checksums);
            put(zip, MANIFEST, Json.writeExact(manifest), null);
            zip.finish();
        });
    }

    private static void put(ZipOutputStream zip, String name, byte[] content, Map<String, String> checksums) {
        try {
            ZipEntry entry = new ZipEntry(name);
            CRC32 crc = new CRC32();
            crc.update(content);
            entry.setSize(content.length);
            entry.setCompressedSize(content.length);
            entry.setCrc(crc.getValue());
            zip.putNextEntry(entry);
            zip.write(content);
            zip.closeEntry();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (checksums != null) {
            checksums.put(name, sha256(content));
        }
    }

    private static byte[] floats(float[] values) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(values.length * 4 + 128);
        try {
            NpyArray.ofFloats(new int[] {values.length}, values).write(bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static float[] indices(int[] assignments) {
        // float32 holds every index exactly: codebooks have far fewer than 2^24 entries
        float[] values = new float[assignments.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = assignments[i];
        }
        return values;
    }

    // ------------------------------------------------------------------------------------- read

    /**
     * Reads a checkpoint written by {@link #write}.
     *
     * @throws InvalidInputException naming the file when it is missing, cut short, fails a
     *                               checksum, or does not hold a checkpoint of this version
     */
    public static Checkpoint read(Path file) {
        String source = "checkpoint " + file;
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try {
            long budget = Files.size(file);
            try (InputStream stream = new BufferedInputStream(Files.newInputStream(file));
                    ZipInputStream zip = new ZipInputStream(stream)) {
                ZipEntry entry;
                while ((entry = zip.getNextEntry()) != null) {
                    // stored entries are never larger than the file: more is a lie or a zip bomb
                    byte[] content = zip.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, budget + 1));
                    if (content.length > budget) {
                        throw new InvalidInputException(
                                source + " is corrupt: entry " + entry.getName() + " is larger than the file");
                    }
                    budget -= content.length;
                    if (entries.put(entry.getName(), content) != null) {
                        throw new InvalidInputException(
                                source + " is corrupt: entry " + entry.getName() + " appears twice");
                    }
                }
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(source + " does not exist", e);
        } catch (EOFException e) {
            throw new InvalidInputException(source + " is truncated: it ends inside an entry", e);
        } catch (ZipException | IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            throw new InvalidInputException(
                    source + (message.contains("EOF") ? " is truncated: " : " is corrupt: ") + message, e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + source + ": " + e, e);
        }
        byte[] manifestBytes = entries.remove(MANIFEST);
        if (manifestBytes == null) {
            throw new InvalidInputException(source + " is truncated or incomplete: it has no " + MANIFEST
                    + " (the process probably stopped while writing it)");
        }
        JsonNode manifest = Json.readExact(manifestBytes, source + "!" + MANIFEST);
        try {
            return parse(manifest, entries, source);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidInputException(source + " is corrupt: " + e.getMessage(), e);
        }
    }

    private static Checkpoint parse(JsonNode manifest, Map<String, byte[]> entries, String source) {
        if (!manifest.isObject() || !FORMAT.equals(manifest.path("format").asText())) {
            throw new InvalidInputException(source + " is not an lc4j checkpoint (no format '" + FORMAT + "')");
        }
        int version = manifest.path("version").asInt(-1);
        if (version != VERSION) {
            throw new InvalidInputException(source + " has checkpoint version " + manifest.path("version")
                    + "; this lc4j reads version " + VERSION + ": finish the run with the lc4j that started it");
        }
        JsonNode checksums = manifest.path("sha256");
        if (!checksums.isObject() || checksums.size() != entries.size()) {
            throw new InvalidInputException(source + " is corrupt: its manifest lists " + checksums.size()
                    + " checksums for " + entries.size() + " entries");
        }
        for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
            String expected = checksums.path(entry.getKey()).asText("");
            if (!expected.equals(sha256(entry.getValue()))) {
                throw new InvalidInputException(
                        source + " is corrupt: entry " + entry.getKey() + " does not match its SHA-256 checksum");
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> settings = Json.convert(manifest.path("settings"), Map.class, source + " settings");
        Position position = Json.convert(manifest.path("position"), Position.class, source + " position");
        IterationRecord[] history =
                Json.convert(manifest.path("history"), IterationRecord[].class, source + " history");
        Map<String, float[]> weights = new LinkedHashMap<>();
        Map<String, float[]> momentum = new LinkedHashMap<>();
        // checkpoints before running statistics had momentum for every parameter
        JsonNode withMomentum = manifest.has("momentum") ? manifest.path("momentum") : manifest.path("parameters");
        for (JsonNode parameter : manifest.path("parameters")) {
            String name = parameter.asText();
            weights.put(name, array(entries, "weights/" + name + ".npy", source));
        }
        for (JsonNode parameter : withMomentum) {
            String name = parameter.asText();
            momentum.put(name, array(entries, "momentum/" + name + ".npy", source));
        }
        List<Group> groups = new ArrayList<>();
        JsonNode groupNodes = manifest.path("groups");
        for (int g = 0; g < groupNodes.size(); g++) {
            JsonNode node = groupNodes.get(g);
            String prefix = "groups/" + g + "/";
            float[] assignmentValues = array(entries, prefix + "assignments.npy", source);
            int[] assignments = new int[assignmentValues.length];
            for (int i = 0; i < assignments.length; i++) {
                assignments[i] = (int) assignmentValues[i];
                if (assignments[i] != assignmentValues[i]) {
                    throw new InvalidInputException(
                            source + " is corrupt: assignment " + assignmentValues[i] + " is not an index");
                }
            }
            groups.add(new Group(
                    node.path("task").asText(),
                    array(entries, prefix + "multipliers.npy", source),
                    array(entries, prefix + "values.npy", source),
                    number(node.path("scale"), source),
                    assignments,
                    array(entries, prefix + "reconstruction.npy", source),
                    number(node.path("distortion"), source),
                    node.path("codebook").isTextual() ? node.path("codebook").asText() : null));
        }
        return new Checkpoint(settings, position, weights, momentum, groups, Arrays.asList(history));
    }

    private static double number(JsonNode node, String source) {
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual() && node.asText().equals("NaN")) {
            return Double.NaN;
        }
        throw new InvalidInputException(source + " is corrupt: expected a number, found " + node);
    }

    private static float[] array(Map<String, byte[]> entries, String name, String source) {
        byte[] bytes = entries.get(name);
        if (bytes == null) {
            throw new InvalidInputException(source + " is corrupt: entry " + name + " is missing");
        }
        try {
            NpyArray array = NpyArray.read(new ByteArrayInputStream(bytes), source + "!" + name, bytes.length / 4)
                    .requireFloats(source + "!" + name);
            if (array.shape().length != 1) {
                throw new InvalidInputException(source + "!" + name + " is not a vector");
            }
            return array.toFloats();
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + source + "!" + name + ": " + e, e);
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
