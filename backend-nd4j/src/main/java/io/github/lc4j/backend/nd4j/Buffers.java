package io.github.lc4j.backend.nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Float arrays kept from call to call by role, reallocated only when the shape asked for
 * changes (in practice, when the batch size does): a training step then allocates nothing.
 */
final class Buffers implements AutoCloseable {
    private final Map<String, INDArray> arrays = new HashMap<>();

    /** The array for {@code role} with this shape; its contents are whatever the last user left. */
    INDArray get(String role, long... shape) {
        INDArray array = arrays.get(role);
        if (array == null || !Arrays.equals(array.shape(), shape)) {
            if (array != null) {
                array.close();
            }
            array = Nd4j.create(DataType.FLOAT, shape);
            arrays.put(role, array);
        }
        return array;
    }

    @Override
    public void close() {
        arrays.values().forEach(INDArray::close);
        arrays.clear();
    }
}
