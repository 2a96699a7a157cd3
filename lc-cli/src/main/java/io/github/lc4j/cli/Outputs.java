package io.github.lc4j.cli;

import io.github.lc4j.api.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks output paths before long work starts, so a typo fails in a second, not after an hour. */
final class Outputs {
    private Outputs() {}

    static void checkWritable(Path file, String option) {
        if (file == null) {
            return;
        }
        Path folder = file.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new InvalidInputException(
                    option + " " + file + ": folder " + folder + " does not exist; create it" + " first");
        }
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(option + " " + file + " is a directory; give a file name");
        }
        if (!Files.isWritable(folder)) {
            throw new InvalidInputException(option + " " + file + ": folder " + folder + " is not writable");
        }
    }
}
