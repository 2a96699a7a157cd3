package io.github.lc4j.core.data;

import io.github.lc4j.api.InvalidInputException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the MNIST idx format (unsigned-byte images and labels), raw or gzip-compressed: the
 * compression is recognised by its magic bytes, not by the file name.
 */
public final class IdxReader {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {}

    /** Images of an idx3 file: count × rows × columns unsigned bytes, scaled to [0, 1]. */
    public record Images(int count, int rows, int columns, float[] pixels) {}

    /** Reads an idx3 image file. */
    public static Images readImages(Path file) {
        try (InputStream stream = open(file)) {
            return readImages(stream, file.toString());
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("image file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read image file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads an idx1 label file. */
    public static int[] readLabels(Path file) {
        try (InputStream stream = open(file)) {
            return readLabels(stream, file.toString());
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("label file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read label file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads idx3 images from {@code stream} (raw or gzip); {@code source} names it in errors. */
    public static Images readImages(InputStream stream, String source) throws IOException {
        DataInputStream input = new DataInputStream(decompressed(stream, source));
        int magic = readHeaderInt(input, source);
        if (magic != IMAGES_MAGIC) {
            throw new InvalidInputException(
                    source + " is not an idx3 image file (magic 0x" + Integer.toHexString(magic) + ", expected 0x803)");
        }
        int count = readHeaderInt(input, source);
        int rows = readHeaderInt(input, source);
        int columns = readHeaderInt(input, source);
        if (count <= 0
                || rows <= 0
                || columns <= 0
                || (long) rows * columns > Integer.MAX_VALUE
                || (long) count * rows * columns > Integer.MAX_VALUE) {
            throw new InvalidInputException(
                    source + " has an implausible header: " + count + " images of " + rows + "x" + columns);
        }
        byte[] bytes = readData(input, count * rows * columns, source);
        float[] pixels = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            pixels[i] = (bytes[i] & 0xff) / 255.0f;
        }
        return new Images(count, rows, columns, pixels);
    }

    /** Reads idx1 labels from {@code stream} (raw or gzip); {@code source} names it in errors. */
    public static int[] readLabels(InputStream stream, String source) throws IOException {
        DataInputStream input = new DataInputStream(decompressed(stream, source));
        int magic = readHeaderInt(input, source);
        if (magic != LABELS_MAGIC) {
            throw new InvalidInputException(
                    source + " is not an idx1 label file (magic 0x" + Integer.toHexString(magic) + ", expected 0x801)");
        }
        int count = readHeaderInt(input, source);
        if (count <= 0) {
            throw new InvalidInputException(source + " has an implausible label count " + count);
        }
        byte[] bytes = readData(input, count, source);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = bytes[i] & 0xff;
        }
        return labels;
    }

    private static InputStream open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(file + " is a directory, expected an idx file");
        }
        return new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    }

    private static InputStream decompressed(InputStream stream, String source) throws IOException {
        PushbackInputStream pushback = new PushbackInputStream(stream, 2);
        int first = pushback.read();
        int second = pushback.read();
        if (second >= 0) {
            pushback.unread(second);
        }
        if (first >= 0) {
            pushback.unread(first);
        }
        if (first == 0x1f && second == 0x8b) {
            try {
                return new BufferedInputStream(new GZIPInputStream(pushback, 1 << 16), 1 << 16);
            } catch (IOException e) {
                throw new InvalidInputException(source + " is a corrupt gzip file: " + e.getMessage(), e);
            }
        }
        return pushback;
    }

    private static int readHeaderInt(DataInputStream input, String source) throws IOException {
        try {
            return input.readInt();
        } catch (EOFException e) {
            throw new InvalidInputException(source + " is truncated: its idx header is incomplete", e);
        } catch (java.util.zip.ZipException e) {
            throw new InvalidInputException(source + " is a corrupt gzip file: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the {@code length} data bytes the header announces. They are read in chunks, so that a
     * header that lies about the size costs no more memory than the file really holds.
     */
    private static byte[] readData(DataInputStream input, int length, String source) throws IOException {
        byte[] bytes;
        try {
            bytes = input.readNBytes(length);
        } catch (java.util.zip.ZipException e) {
            throw new InvalidInputException(source + " is a corrupt gzip file: " + e.getMessage(), e);
        } catch (EOFException e) {
            throw new InvalidInputException(source + " is truncated: its compressed data ends early", e);
        }
        if (bytes.length < length) {
            throw new InvalidInputException(source + " is truncated: expected " + length
                    + " data bytes after the header, found " + bytes.length);
        }
        return bytes;
    }
}
