package io.github.lc4j.onnx;

import java.util.Arrays;

/**
 * A quantized weight as a codebook plus codes of {@code bits} bits each: the codebook is found
 * from the weight's own distinct values (per tensor, or per output channel when that is smaller),
 * so that any weight with few distinct values compresses, whatever produced it.
 *
 * <p>Codes are stored as {@code bits} bit planes; plane j holds bit j of every code, element i in
 * bit {@code i % 8} of byte {@code i / 8}.
 *
 * @param bits           bits per code: 0 when every codebook has one entry (no codes to store)
 * @param size           codebook entries per codebook (K)
 * @param perChannel     one codebook per output channel instead of one per tensor
 * @param channelAxis    for per-channel codebooks, the weight axis of channels (0 or 1)
 * @param channels       the number of codebooks (1 per tensor)
 * @param codebook       per tensor {@code [K]}; per channel along axis 0 {@code [channels, K]}, along
 *                       axis 1 {@code [K, channels]}
 * @param planes         the bit planes, {@code bits} arrays of {@code ceil(n / 8)} bytes
 */
record CompactCodes(
        int bits, int size, boolean perChannel, int channelAxis, int channels, float[] codebook, byte[][] planes) {

    /** Codebooks larger than this are not worth it: the weight is kept as float32. */
    static final int MAX_CODEBOOK = 256;

    /** The bytes this encoding stores: the planes and the codebook. */
    long storedBytes() {
        long bytes = (long) codebook.length * Float.BYTES;
        for (byte[] plane : planes) {
            bytes += plane.length;
        }
        return bytes;
    }

    /**
     * Returns the smallest encoding of {@code values} (a weight of dimensions {@code dims} in C
     * order, channels along {@code channelAxis}), or null when storing floats is as small.
     */
    static CompactCodes encode(float[] values, long[] dims, int channelAxis) {
        CompactCodes perTensor = perTensor(values);
        CompactCodes perChannel = dims.length >= 2 ? perChannel(values, dims, channelAxis) : null;
        CompactCodes best = perTensor;
        if (best == null || (perChannel != null && perChannel.storedBytes() < best.storedBytes())) {
            best = perChannel;
        }
        return best == null || best.storedBytes() >= (long) values.length * Float.BYTES ? null : best;
    }

    private static CompactCodes perTensor(float[] values) {
        float[] distinct = distinct(values);
        if (distinct.length > MAX_CODEBOOK) {
            return null;
        }
        int[] codes = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            codes[i] = Arrays.binarySearch(distinct, values[i]);
        }
        int bits = bitsFor(distinct.length);
        return new CompactCodes(bits, distinct.length, false, 0, 1, distinct, pack(codes, bits));
    }

    private static CompactCodes perChannel(float[] values, long[] dims, int channelAxis) {
        int channels = (int) dims[channelAxis];
        int rows = channelAxis == 0 ? channels : values.length / channels;
        int columns = values.length / rows;
        if (channelAxis == 1 && dims.length != 2) {
            return null;
        }
        float[][] books = new float[channels][];
        float[] scratch = new float[values.length / channels];
        int size = 1;
        for (int channel = 0; channel < channels; channel++) {
            for (int i = 0; i < scratch.length; i++) {
                scratch[i] = values[position(channelAxis, channel, i, columns)];
            }
            books[channel] = distinct(scratch);
            size = Math.max(size, books[channel].length);
            if (size > MAX_CODEBOOK) {
                return null;
            }
        }
        float[] codebook = new float[channels * size];
        for (int channel = 0; channel < channels; channel++) {
            float[] book = books[channel];
            for (int k = 0; k < size; k++) {
                // short codebooks repeat their last value; no code points at the padding
                float value = book[Math.min(k, book.length - 1)];
                codebook[channelAxis == 0 ? channel * size + k : k * channels + channel] = value;
            }
        }
        int[] codes = new int[values.length];
        for (int channel = 0; channel < channels; channel++) {
            for (int i = 0; i < scratch.length; i++) {
                int position = position(channelAxis, channel, i, columns);
                codes[position] = Arrays.binarySearch(books[channel], values[position]);
            }
        }
        int bits = bitsFor(size);
        return new CompactCodes(bits, size, true, channelAxis, channels, codebook, pack(codes, bits));
    }

    /** The flat position of element {@code i} of channel {@code channel}. */
    private static int position(int channelAxis, int channel, int i, int columns) {
        return channelAxis == 0 ? channel * columns + i : i * columns + channel;
    }

    /** The codes back from the planes: what the ONNX graph computes. */
    int[] codes(int count) {
        int[] codes = new int[count];
        for (int bit = 0; bit < bits; bit++) {
            byte[] plane = planes[bit];
            for (int i = 0; i < count; i++) {
                codes[i] |= ((plane[i >>> 3] >>> (i & 7)) & 1) << bit;
            }
        }
        return codes;
    }

    /** The weight back from the codes: what the ONNX graph computes. */
    float[] values(int count) {
        int[] codes = codes(count);
        float[] values = new float[count];
        int channelSize = count / channels;
        for (int i = 0; i < count; i++) {
            int code = codes[i];
            if (code >= size) {
                throw new IllegalArgumentException("code " + code + " at " + i + " is outside the codebook of " + size);
            }
            if (!perChannel) {
                values[i] = codebook[code];
            } else if (channelAxis == 0) {
                values[i] = codebook[(i / channelSize) * size + code];
            } else {
                values[i] = codebook[code * channels + i % channels];
            }
        }
        return values;
    }

    /** Bits per code for {@code size} entries: 0 for one entry, then ⌈log₂ size⌉. */
    static int bitsFor(int size) {
        return size <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(size - 1);
    }

    private static byte[][] pack(int[] codes, int bits) {
        byte[][] planes = new byte[bits][(codes.length + 7) / 8];
        for (int i = 0; i < codes.length; i++) {
            for (int bit = 0; bit < bits; bit++) {
                if (((codes[i] >>> bit) & 1) != 0) {
                    planes[bit][i >>> 3] |= (byte) (1 << (i & 7));
                }
            }
        }
        return planes;
    }

    /** The distinct values, sorted as {@link Float#compare} orders them. */
    static float[] distinct(float[] values) {
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        int count = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (count == 0 || Float.compare(sorted[i], sorted[count - 1]) != 0) {
                sorted[count++] = sorted[i];
            }
        }
        return Arrays.copyOf(sorted, count);
    }
}
