package io.github.lc4j.core.cstep;

/**
 * Sorts floats by their bit patterns with a three-pass LSD radix sort (11 bits per pass): O(n)
 * and several times faster than a comparison sort for the million-weight vectors of a C step.
 * Finite values end in numerical order (−0.0 before +0.0).
 */
final class FloatRadixSort {
    private static final int BITS = 11;
    private static final int BUCKETS = 1 << BITS;
    private static final int MASK = BUCKETS - 1;

    private FloatRadixSort() {}

    /** Returns a sorted copy of {@code values}. */
    static float[] sortedCopy(float[] values) {
        int n = values.length;
        if (n < 256) {
            float[] copy = values.clone();
            java.util.Arrays.sort(copy);
            return copy;
        }
        int[] keys = new int[n];
        int[] scratch = new int[n];
        int[][] counts = new int[3][BUCKETS + 1];
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(values[i]);
            int key = bits ^ ((bits >> 31) | 0x80000000);
            keys[i] = key;
            counts[0][(key & MASK) + 1]++;
            counts[1][((key >>> BITS) & MASK) + 1]++;
            counts[2][(key >>> (2 * BITS)) + 1]++;
        }
        for (int pass = 0; pass < 3; pass++) {
            int[] count = counts[pass];
            for (int b = 0; b < BUCKETS; b++) {
                count[b + 1] += count[b];
            }
            int shift = pass * BITS;
            for (int i = 0; i < n; i++) {
                int key = keys[i];
                int bucket = pass == 2 ? key >>> shift : (key >>> shift) & MASK;
                scratch[count[bucket]++] = key;
            }
            int[] swap = keys;
            keys = scratch;
            scratch = swap;
        }
        float[] sorted = new float[n];
        for (int i = 0; i < n; i++) {
            int key = keys[i];
            int bits = key < 0 ? key ^ 0x80000000 : ~key;
            sorted[i] = Float.intBitsToFloat(bits);
        }
        return sorted;
    }
}
