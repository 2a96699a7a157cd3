package io.github.lc4j.onnx;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.github.lc4j.api.InvalidInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads and writes the values of ONNX tensors: float32 parameters, int64 shape constants, with
 * every size checked against the bytes really present before anything is allocated.
 */
final class OnnxTensors {
    /** The largest tensor lc4j reads: 2^31 − 1 elements, Java's array limit. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private OnnxTensors() {}

    /** The element count of {@code dims}, or an error naming {@code what} when negative or absurd. */
    static int elementCount(long[] dims, String what) {
        long count = 1;
        for (long dimension : dims) {
            if (dimension < 0) {
                throw new InvalidInputException(what + " has a negative dimension in " + Arrays.toString(dims));
            }
            if (dimension != 0 && count > MAX_ELEMENTS / dimension) {
                throw new InvalidInputException(what + " claims dimensions " + Arrays.toString(dims)
                        + ", more than the " + MAX_ELEMENTS + " elements lc4j can hold; the file is damaged or"
                        + " the tensor is too large");
            }
            count *= dimension;
        }
        return (int) count;
    }

    /** The transpose of the row-major {@code [rows, columns]} matrix {@code values}. */
    static float[] transpose(float[] values, int rows, int columns) {
        return permute(values, new long[] {rows, columns}, new int[] {1, 0});
    }

    /** The dimensions of a tensor of shape {@code dims} after ONNX's Transpose by {@code perm}. */
    static long[] permutedDims(long[] dims, int[] perm) {
        long[] permuted = new long[dims.length];
        for (int axis = 0; axis < dims.length; axis++) {
            permuted[axis] = dims[perm[axis]];
        }
        return permuted;
    }

    /**
     * The row-major tensor {@code values} of shape {@code dims} with its axes permuted: output axis
     * i is input axis {@code perm[i]}, as ONNX's Transpose.
     */
    static float[] permute(float[] values, long[] dims, int[] perm) {
        int rank = dims.length;
        long[] inputStrides = new long[rank];
        long stride = 1;
        for (int axis = rank - 1; axis >= 0; axis--) {
            inputStrides[axis] = stride;
            stride *= dims[axis];
        }
        long[] outputDims = permutedDims(dims, perm);
        long[] strides = new long[rank];
        for (int axis = 0; axis < rank; axis++) {
            strides[axis] = inputStrides[perm[axis]];
        }
        float[] permuted = new float[values.length];
        long[] index = new long[rank];
        long from = 0;
        for (int to = 0; to < permuted.length; to++) {
            permuted[to] = values[(int) from];
            for (int axis = rank - 1; axis >= 0; axis--) {
                from += strides[axis];
                if (++index[axis] < outputDims[axis]) {
                    break;
                }
                from -= strides[axis] * outputDims[axis];
                index[axis] = 0;
            }
        }
        return permuted;
    }

    static long[] dims(TensorProto tensor) {
        long[] dims = new long[tensor.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = tensor.getDims(i);
        }
        return dims;
    }

    /**
     * Returns the float32 values of {@code tensor}, from its raw bytes, its float list or its
     * external file in {@code folder}.
     *
     * @throws InvalidInputException when the type is not float32, the values do not match the
     *                               dimensions, or external data lies outside {@code folder}
     */
    static float[] floats(TensorProto tensor, Path folder, String what) {
        if (tensor.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new InvalidInputException(what + " has element type " + typeName(tensor.getDataType())
                    + "; lc4j reads float32 parameters only");
        }
        int count = elementCount(dims(tensor), what);
        if (tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return toFloats(externalBytes(tensor, folder, (long) count * Float.BYTES, what), count);
        }
        if (tensor.hasRawData()) {
            ByteString raw = tensor.getRawData();
            if (raw.size() != (long) count * Float.BYTES) {
                throw new InvalidInputException(what + " claims dimensions " + Arrays.toString(dims(tensor)) + " ("
                        + count + " floats) but holds " + raw.size() + " bytes");
            }
            return toFloats(raw.asReadOnlyByteBuffer(), count);
        }
        if (tensor.getFloatDataCount() != count) {
            throw new InvalidInputException(what + " claims dimensions " + Arrays.toString(dims(tensor)) + " (" + count
                    + " floats) but holds " + tensor.getFloatDataCount() + " values");
        }
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = tensor.getFloatData(i);
        }
        return values;
    }

    /** Returns the integer values of an int64 or int32 constant (a shape, an index, an axis). */
    static long[] integers(TensorProto tensor, String what) {
        int count = elementCount(dims(tensor), what);
        int type = tensor.getDataType();
        if (type != TensorProto.DataType.INT64_VALUE && type != TensorProto.DataType.INT32_VALUE) {
            throw new InvalidInputException(
                    what + " has element type " + typeName(type) + " where an int64 constant is expected");
        }
        int width = type == TensorProto.DataType.INT64_VALUE ? Long.BYTES : Integer.BYTES;
        long[] values = new long[count];
        if (tensor.hasRawData()) {
            ByteString raw = tensor.getRawData();
            if (raw.size() != (long) count * width) {
                throw new InvalidInputException(
                        what + " claims " + count + " integers but holds " + raw.size() + " bytes");
            }
            ByteBuffer buffer = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                values[i] = width == Long.BYTES ? buffer.getLong() : buffer.getInt();
            }
            return values;
        }
        int listed = width == Long.BYTES ? tensor.getInt64DataCount() : tensor.getInt32DataCount();
        if (listed != count) {
            throw new InvalidInputException(what + " claims " + count + " integers but holds " + listed);
        }
        for (int i = 0; i < count; i++) {
            values[i] = width == Long.BYTES ? tensor.getInt64Data(i) : tensor.getInt32Data(i);
        }
        return values;
    }

    /** Returns {@code tensor} with {@code values} as its raw little-endian float32 data, held inline. */
    static TensorProto withFloats(TensorProto tensor, long[] dims, float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        TensorProto.Builder builder = tensor.toBuilder()
                .clearFloatData()
                .clearExternalData()
                .clearDataLocation()
                .clearDims()
                .setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(buffer.array()));
        for (long dimension : dims) {
            builder.addDims(dimension);
        }
        return builder.build();
    }

    /** A float32 tensor. */
    static TensorProto floatTensor(String name, long[] dims, float[] values) {
        return withFloats(TensorProto.newBuilder().setName(name).build(), dims, values);
    }

    /** A uint8 tensor of raw bytes. */
    static TensorProto byteTensor(String name, long[] dims, byte[] values) {
        TensorProto.Builder builder = TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.UINT8_VALUE)
                .setRawData(ByteString.copyFrom(values));
        for (long dimension : dims) {
            builder.addDims(dimension);
        }
        return builder.build();
    }

    /** An int64 tensor. */
    static TensorProto longTensor(String name, long[] dims, long... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asLongBuffer().put(values);
        TensorProto.Builder builder = TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.INT64_VALUE)
                .setRawData(ByteString.copyFrom(buffer.array()));
        for (long dimension : dims) {
            builder.addDims(dimension);
        }
        return builder.build();
    }

    /** The bytes a tensor's values occupy in the file. */
    static long storedBytes(TensorProto tensor) {
        if (tensor.hasRawData()) {
            return tensor.getRawData().size();
        }
        return 4L * (tensor.getFloatDataCount() + tensor.getInt32DataCount())
                + 8L * (tensor.getInt64DataCount() + tensor.getDoubleDataCount() + tensor.getUint64DataCount());
    }

    static String typeName(int dataType) {
        TensorProto.DataType type = TensorProto.DataType.forNumber(dataType);
        return type == null ? "#" + dataType : type.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static float[] toFloats(ByteBuffer bytes, int count) {
        float[] values = new float[count];
        bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /**
     * Reads external data: only a relative path that stays inside the model's folder (after
     * resolving links), only the bytes the dimensions call for.
     */
    private static ByteBuffer externalBytes(TensorProto tensor, Path folder, long expectedBytes, String what) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto entry : tensor.getExternalDataList()) {
            switch (entry.getKey()) {
                case "location" -> location = entry.getValue();
                case "offset" -> offset = parseLong(entry.getValue(), what, "offset");
                case "length" -> length = parseLong(entry.getValue(), what, "length");
                default -> {
                    // checksum and future keys do not change where the bytes are
                }
            }
        }
        if (location == null || location.isEmpty()) {
            throw new InvalidInputException(what + " is stored as external data without a location");
        }
        if (folder == null) {
            throw new InvalidInputException(
                    what + " is stored in external file '" + location + "' but the model was not read from a folder");
        }
        Path file;
        try {
            Path relative = Path.of(location);
            Path root = folder.toRealPath();
            file = root.resolve(relative).normalize();
            if (relative.isAbsolute() || !file.startsWith(root)) {
                throw outside(what, location, folder);
            }
            if (!Files.isRegularFile(file)) {
                throw new InvalidInputException(
                        what + " is stored in external file '" + location + "', which is missing from " + folder);
            }
            if (!file.toRealPath().startsWith(root)) {
                throw outside(what, location, folder);
            }
        } catch (java.nio.file.InvalidPathException | IOException e) {
            throw new InvalidInputException(what + ": cannot resolve external data '" + location + "': " + e, e);
        }
        if (length >= 0 && length != expectedBytes) {
            throw new InvalidInputException(
                    what + " needs " + expectedBytes + " bytes of external data, its entry" + " says length " + length);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (offset < 0 || offset + expectedBytes > channel.size()) {
                throw new InvalidInputException(what + " needs bytes " + offset + " to " + (offset + expectedBytes)
                        + " of external file '" + location + "', which holds " + channel.size());
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) expectedBytes);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new InvalidInputException(what + ": external file '" + location + "' ended early");
                }
            }
            return buffer.flip();
        } catch (IOException e) {
            throw new InvalidInputException(what + ": cannot read external file '" + location + "': " + e, e);
        }
    }

    private static InvalidInputException outside(String what, String location, Path folder) {
        return new InvalidInputException(what + " points at external data '" + location + "' outside the model's"
                + " folder " + folder + "; lc4j reads external data only from files beside the model");
    }

    private static long parseLong(String text, String what, String key) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(what + ": external data " + key + " '" + text + "' is not a number", e);
        }
    }
}
