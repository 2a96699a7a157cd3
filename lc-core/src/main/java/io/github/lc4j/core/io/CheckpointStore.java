package io.github.lc4j.core.io;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of numbered checkpoints, {@code checkpoint-000001.lc4j} upwards. A new checkpoint is
 * written completely (temporary file, sync, rename) before the one before the previous is deleted,
 * so the two newest are always on disk; reading takes the newest one that is intact.
 */
public final class CheckpointStore {
    /**
     * System property for tests of crash safety: {@code before-manifest:N} or {@code after:N} stops
     * the process (it sleeps until killed) while writing checkpoint N, after its arrays, or once
     * checkpoint N is complete, and says so on standard error.
     */
    public static final String PAUSE_PROPERTY = "lc4j.test.checkpointPause";

    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{6,9})\\.lc4j");

    private final Path folder;
    private int sequence;

    /** A checkpoint read back, the file it came from, and why newer files were passed over. */
    public record Loaded(Checkpoint checkpoint, Path file, List<String> skipped) {}

    /**
     * Opens {@code folder}, creating it if needed; new checkpoints are numbered after the existing ones.
     *
     * @throws InvalidInputException when the folder cannot be created or is a file
     */
    public CheckpointStore(Path folder) {
        this.folder = requireNonNull(folder, "folder is null");
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new InvalidInputException("cannot create checkpoint folder " + folder + ": " + e, e);
        }
        this.sequence =
                files().stream().mapToInt(CheckpointStore::sequenceOf).max().orElse(0);
    }

    /** Returns the folder. */
    public Path folder() {
        return folder;
    }

    /** Writes {@code checkpoint} as the next file, then deletes all but it and its predecessor. */
    public Path write(Checkpoint checkpoint) {
        int next = sequence + 1;
        Path file = folder.resolve(String.format("checkpoint-%06d.lc4j", next));
        checkpoint.write(file, () -> pauseIf("before-manifest:" + next));
        sequence = next;
        for (Path old : files()) {
            if (sequenceOf(old) < next - 1) {
                deleteQuietly(old);
            }
        }
        try (Stream<Path> partial = Files.list(folder)) {
            // temporary files of writes a crash interrupted
            partial.filter(path -> path.getFileName().toString().startsWith(".checkpoint-"))
                    .filter(path -> path.getFileName().toString().endsWith(".partial"))
                    .forEach(CheckpointStore::deleteQuietly);
        } catch (IOException ignored) {
            // leftovers cost disk space only
        }
        pauseIf("after:" + next);
        return file;
    }

    /**
     * Reads the newest intact checkpoint.
     *
     * @throws InvalidInputException when the folder holds none, naming what is wrong with each file
     */
    public Loaded readLatest() {
        List<Path> candidates = files();
        candidates.sort(Comparator.comparingInt(CheckpointStore::sequenceOf).reversed());
        List<String> skipped = new ArrayList<>();
        for (Path candidate : candidates) {
            try {
                return new Loaded(Checkpoint.read(candidate), candidate, List.copyOf(skipped));
            } catch (InvalidInputException e) {
                skipped.add(e.getMessage());
            }
        }
        if (skipped.isEmpty()) {
            throw new InvalidInputException("checkpoint folder " + folder + " holds no checkpoint-NNNNNN.lc4j file;"
                    + " start the run with --checkpoint " + folder + " first");
        }
        throw new InvalidInputException(
                "checkpoint folder " + folder + " holds no intact checkpoint: " + String.join("; ", skipped));
    }

    private List<Path> files() {
        if (!Files.isDirectory(folder)) {
            throw new InvalidInputException("checkpoint folder " + folder + " does not exist or is not a folder");
        }
        try (Stream<Path> paths = Files.list(folder)) {
            return new ArrayList<>(paths.filter(
                            path -> NAME.matcher(path.getFileName().toString()).matches())
                    .filter(Files::isRegularFile)
                    .toList());
        } catch (IOException e) {
            throw new InvalidInputException("cannot list checkpoint folder " + folder + ": " + e, e);
        }
    }

    private static int sequenceOf(Path file) {
        Matcher matcher = NAME.matcher(file.getFileName().toString());
        return matcher.matches() ? Integer.parseInt(matcher.group(1)) : 0;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // an old checkpoint left behind is harmless: the newest intact one is read
        }
    }

    private static void pauseIf(String point) {
        if (point.equals(System.getProperty(PAUSE_PROPERTY))) {
            System.err.println("lc4j-test: paused at checkpoint " + point);
            System.err.flush();
            while (true) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    // only a kill ends this pause
                }
            }
        }
    }
}
