package io.github.lc4j.core.io;

import io.github.lc4j.api.InvalidInputException;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file completely or not at all: into a temporary sibling, synced to disk, then renamed
 * over the target, and the rename synced too.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** What writes the content. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code out}. */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} atomically; on any failure the target is untouched and no temporary
     * file remains.
     *
     * @throws InvalidInputException when the folder does not exist or cannot be written
     */
    public static void write(Path target, Content content) {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new InvalidInputException("cannot write " + target + ": folder " + folder + " does not exist");
        }
        Path temporary = null;
        try {
            temporary = Files.createTempFile(folder, "." + absolute.getFileName(), ".partial");
            // a stream, not a channel: an interrupt (a stop request) must not abort a checkpoint being written
            try (FileOutputStream file = new FileOutputStream(temporary.toFile());
                    OutputStream out = new BufferedOutputStream(file, 1 << 16)) {
                content.writeTo(out);
                out.flush();
                // on disk before the rename: a crash never leaves a renamed file with missing content
                file.getFD().sync();
            }
            readableLike(absolute, temporary);
            try {
                Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            temporary = null;
            syncFolder(folder);
        } catch (IOException e) {
            throw new InvalidInputException("cannot write " + target + ": " + e, e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the original failure is what the caller needs to see
                }
            }
        }
    }

    /**
     * Gives the temporary file the permissions of the file it replaces, or rw-r--r-- for a new one:
     * a temporary file is created owner-only, and an output others cannot read surprises.
     */
    private static void readableLike(Path target, Path temporary) throws IOException {
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions = Files.exists(target)
                    ? Files.getPosixFilePermissions(target)
                    : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(temporary, permissions);
        } catch (UnsupportedOperationException notPosix) {
            // elsewhere the default permissions of a new file apply
        }
    }

    /** Makes a rename in {@code folder} durable; where a folder cannot be opened (not POSIX) the rename stands alone. */
    private static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort: the file itself is already synced
        }
    }
}
