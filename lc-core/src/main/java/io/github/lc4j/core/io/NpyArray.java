package io.github.lc4j.core.io;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.support.Checks;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A NumPy {@code .npy} array in C order: float32, float64 or integers (class labels). Values are
 * held as doubles; the dtype is kept so that an array is written back as it was read.
 *
 * @param shape  the dimensions (copied)
 * @param values the values in C order (copied)
 * @param dtype  the element type
 */
public record NpyArray(int[] shape, double[] values, DType dtype) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** The element types lc4j reads and writes. */
    public enum DType {
        /** IEEE single precision. */
        FLOAT32(4, "f4"),
        /** IEEE double precision. */
        FLOAT64(8, "f8"),
        /** Signed 64-bit integers (NumPy's default for integer arrays). */
        INT64(8, "i8"),
        /** Signed 32-bit integers. */
        INT32(4, "i4"),
        /** Signed 16-bit integers. */
        INT16(2, "i2"),
        /** Signed bytes. */
        INT8(1, "i1"),
        /** Unsigned bytes. */
        UINT8(1, "u1"),
        /** Unsigned 16-bit integers. */
        UINT16(2, "u2"),
        /** Unsigned 32-bit integers. */
        UINT32(4, "u4");

        final int bytes;
        final String code;

        DType(int bytes, String code) {
            this.bytes = bytes;
            this.code = code;
        }
    }

    /** Checks and copies. */
    public NpyArray {
        shape = requireNonNull(shape, "shape is null").clone();
        values = requireNonNull(values, "values is null").clone();
        requireNonNull(dtype, "dtype is null");
        long count = 1;
        for (int dimension : shape) {
            Checks.checkArgument(dimension >= 0, "negative dimension in shape %s", Arrays.toString(shape));
            count *= dimension;
        }
        Checks.checkArgument(
                count == values.length,
                "shape %s needs %d values, got %d",
                Arrays.toString(shape),
                count,
                values.length);
    }

    /** Returns a float32 array of {@code values} with {@code shape}. */
    public static NpyArray ofFloats(int[] shape, float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return new NpyArray(shape, doubles, DType.FLOAT32);
    }

    /** Returns a copy of the shape. */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Returns a copy of the values. */
    @Override
    public double[] values() {
        return values.clone();
    }

    /** Returns the values rounded to float. */
    public float[] toFloats() {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    /**
     * Reads one array from {@code stream}; {@code source} names it in errors.
     *
     * @throws InvalidInputException for a bad magic, header, dtype, Fortran order or truncated data
     */
    public static NpyArray read(InputStream stream, String source) throws IOException {
        return read(stream, source, Integer.MAX_VALUE);
    }

    /**
     * Reads one array of at most {@code maxElements} elements from {@code stream}; {@code source}
     * names it in errors. Data is read in chunks, so a header that lies about the size costs no
     * more memory than the stream really holds.
     *
     * @throws InvalidInputException for a bad magic, header, dtype, Fortran order, too many elements
     *                               or truncated data
     */
    public static NpyArray read(InputStream stream, String source, long maxElements) throws IOException {
        DataInputStream input = new DataInputStream(stream);
        Header head = header(input, source, maxElements, Integer.MAX_VALUE);
        int[] shape = head.shape();
        DType dtype = head.dtype();
        long count = head.count();
        String descr = head.descr();
        ByteOrder order = head.order();
        int size = (int) (count * dtype.bytes);
        byte[] data = input.readNBytes(size);
        if (data.length < size) {
            throw new InvalidInputException(source + " is truncated: it ends inside its data (" + count
                    + " elements of " + descr + " need " + size + " bytes, found " + data.length + ")");
        }
        ByteBuffer buffer = ByteBuffer.wrap(data).order(order);
        double[] values = new double[(int) count];
        for (int i = 0; i < values.length; i++) {
            values[i] = element(buffer, dtype);
        }
        return new NpyArray(shape, values, dtype);
    }

    /**
     * An array read as float32 values: inputs, whose float32 copy is all a data set keeps.
     *
     * @param shape  the shape
     * @param values the elements, rounded to float
     * @param dtype  the file's element type
     */
    public record Floats(int[] shape, float[] values, DType dtype) {
        /** Returns whether the file's elements are integers. */
        public boolean isInteger() {
            return dtype != DType.FLOAT32 && dtype != DType.FLOAT64;
        }
    }

    /** The most elements a float array holds. */
    private static final long MAX_FLOATS = Integer.MAX_VALUE - 8;

    /**
     * Reads one array from {@code stream} straight into floats, in blocks: no byte or double copy of
     * the whole array, so its size is bounded by what one float array holds (about 2.1·10⁹
     * elements, 8 GiB), not by 2 GiB of bytes; a header that lies about the size costs no more
     * memory than the stream really holds.
     *
     * @throws InvalidInputException as {@link #read(InputStream, String)} does
     */
    public static Floats readFloats(InputStream stream, String source) throws IOException {
        DataInputStream input = new DataInputStream(stream);
        Header head = header(input, source, MAX_FLOATS, Long.MAX_VALUE);
        long count = head.count();
        int bytes = head.dtype().bytes;
        int block = 1 << 20;
        java.util.List<float[]> blocks = new java.util.ArrayList<>();
        byte[] data = new byte[block * bytes];
        long done = 0;
        while (done < count) {
            int elements = (int) Math.min(block, count - done);
            int read = input.readNBytes(data, 0, elements * bytes);
            if (read < elements * bytes) {
                throw new InvalidInputException(source + " is truncated: it ends inside its data (" + count
                        + " elements of " + head.descr() + " need " + count * bytes + " bytes, found "
                        + (done * bytes + read) + ")");
            }
            ByteBuffer buffer = ByteBuffer.wrap(data, 0, read).order(head.order());
            float[] values = new float[elements];
            for (int i = 0; i < elements; i++) {
                values[i] = (float) element(buffer, head.dtype());
            }
            blocks.add(values);
            done += elements;
        }
        if (blocks.size() == 1) {
            return new Floats(head.shape(), blocks.get(0), head.dtype());
        }
        float[] values = new float[(int) count];
        int at = 0;
        for (float[] part : blocks) {
            System.arraycopy(part, 0, values, at, part.length);
            at += part.length;
        }
        return new Floats(head.shape(), values, head.dtype());
    }

    private static double element(ByteBuffer buffer, DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> buffer.getFloat();
            case FLOAT64 -> buffer.getDouble();
            case INT64 -> buffer.getLong();
            case INT32 -> buffer.getInt();
            case INT16 -> buffer.getShort();
            case INT8 -> buffer.get();
            case UINT8 -> buffer.get() & 0xff;
            case UINT16 -> buffer.getShort() & 0xffff;
            case UINT32 -> buffer.getInt() & 0xffffffffL;
        };
    }

    /** What a .npy header says: shape, element type, byte order and element count. */
    private record Header(int[] shape, DType dtype, ByteOrder order, long count, String descr) {}

    /** Reads and checks the header: at most {@code maxElements} elements and {@code maxBytes} bytes of data. */
    private static Header header(DataInputStream input, String source, long maxElements, long maxBytes)
            throws IOException {
        byte[] magic = new byte[6];
        readFully(input, magic, source, "magic");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new InvalidInputException(source + " is not a .npy file (bad magic bytes)");
        }
        int major = input.read();
        int minor = input.read();
        if (major < 1 || major > 3 || minor < 0) {
            throw new InvalidInputException(source + ": unsupported .npy version " + major + "." + minor);
        }
        byte[] lengthBytes = new byte[major == 1 ? 2 : 4];
        readFully(input, lengthBytes, source, "header length");
        ByteBuffer lengthBuffer = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = major == 1 ? lengthBuffer.getShort() & 0xffff : lengthBuffer.getInt() & 0xffffffffL;
        if (headerLength > 1 << 20) {
            throw new InvalidInputException(source + ": implausible .npy header length " + headerLength);
        }
        byte[] headerBytes = new byte[(int) headerLength];
        readFully(input, headerBytes, source, "header");
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        String descr = find(DESCR, header, source, "descr");
        if (descr.isEmpty()) {
            throw new InvalidInputException(source + ": the .npy header has an empty 'descr'");
        }
        ByteOrder order = switch (descr.charAt(0)) {
            case '<', '|', '=' -> ByteOrder.LITTLE_ENDIAN;
            case '>' -> ByteOrder.BIG_ENDIAN;
            default -> throw new InvalidInputException(source + ": unsupported dtype '" + descr + "'");
        };
        DType dtype = Arrays.stream(DType.values())
                .filter(type -> type.code.equals(descr.substring(1)))
                .findFirst()
                .orElseThrow(() -> new InvalidInputException(source + ": unsupported dtype '" + descr
                        + "'; lc4j reads float32 ('<f4'), float64 ('<f8') and integer ('<i8', '<i4', '|u1' …) arrays,"
                        + " convert with arr.astype('float32')"));
        if (find(FORTRAN, header, source, "fortran_order").equals("True")) {
            throw new InvalidInputException(source + " is stored in Fortran order, which lc4j does not read;"
                    + " save it with np.save(path, np.ascontiguousarray(arr))");
        }
        int[] shape = parseShape(find(SHAPE, header, source, "shape"), source);
        long count = 1;
        for (int dimension : shape) {
            if (dimension < 0) {
                throw new InvalidInputException(
                        source + ": negative dimension " + dimension + " in the .npy shape " + Arrays.toString(shape));
            }
            count *= dimension;
            if (count > maxElements || count * dtype.bytes > maxBytes) {
                throw new InvalidInputException(source + ": the .npy shape " + Arrays.toString(shape)
                        + " holds more than the " + Math.min(maxElements, maxBytes / dtype.bytes)
                        + " elements expected here");
            }
        }
        return new Header(shape, dtype, order, count, descr);
    }

    /**
     * Returns this array if it holds floats (weights, inputs).
     *
     * @throws InvalidInputException naming {@code source} when it holds integers
     */
    public NpyArray requireFloats(String source) {
        if (isInteger()) {
            throw new InvalidInputException(
                    source + ": unsupported dtype " + dtype.name().toLowerCase(java.util.Locale.ROOT)
                            + " for weights; lc4j reads float32 ('<f4') or float64 ('<f8') arrays here, convert with"
                            + " arr.astype('float32')");
        }
        return this;
    }

    /** Returns whether the elements are integers. */
    public boolean isInteger() {
        return dtype != DType.FLOAT32 && dtype != DType.FLOAT64;
    }

    /** Writes this array as a version 1.0 {@code .npy} (little-endian, C order). */
    public void write(OutputStream out) throws IOException {
        StringBuilder shapeText = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            shapeText.append(shape[i]).append(shape.length == 1 ? "," : (i + 1 < shape.length ? ", " : ""));
        }
        shapeText.append(')');
        String dictionary = "{'descr': '<" + dtype.code + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dictionary.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dictionary + " ".repeat(padding) + "\n";
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        head.write(MAGIC);
        head.write(1);
        head.write(0);
        head.write(header.length() & 0xff);
        head.write((header.length() >>> 8) & 0xff);
        head.write(header.getBytes(StandardCharsets.ISO_8859_1));
        out.write(head.toByteArray());
        ByteBuffer buffer = ByteBuffer.allocate(values.length * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (double value : values) {
            switch (dtype) {
                case FLOAT32 -> buffer.putFloat((float) value);
                case FLOAT64 -> buffer.putDouble(value);
                case INT64 -> buffer.putLong((long) value);
                case INT32, UINT32 -> buffer.putInt((int) (long) value);
                case INT16, UINT16 -> buffer.putShort((short) value);
                case INT8, UINT8 -> buffer.put((byte) value);
            }
        }
        out.write(buffer.array());
    }

    private static String find(Pattern pattern, String header, String source, String key) {
        Matcher matcher = pattern.matcher(header);
        if (!matcher.find()) {
            throw new InvalidInputException(source + ": the .npy header has no '" + key + "' entry");
        }
        return matcher.group(1);
    }

    private static int[] parseShape(String text, String source) {
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        String[] parts = trimmed.split(",");
        int count = 0;
        int[] shape = new int[parts.length];
        for (String part : parts) {
            String dimension = part.trim();
            if (dimension.isEmpty()) {
                continue;
            }
            try {
                shape[count++] = Integer.parseInt(dimension.replace("L", ""));
            } catch (NumberFormatException e) {
                throw new InvalidInputException(source + ": bad shape entry '" + dimension + "' in the .npy header", e);
            }
        }
        return Arrays.copyOf(shape, count);
    }

    private static void readFully(DataInputStream input, byte[] bytes, String source, String what) throws IOException {
        try {
            input.readFully(bytes);
        } catch (EOFException e) {
            throw new InvalidInputException(source + " is truncated: it ends inside its " + what, e);
        }
    }
}
