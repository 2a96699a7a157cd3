package io.github.lc4j.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One parameter resident in ND4J: its value and gradient are views into the trainer's flat
 * arrays, so that the penalty and the update are a few operations over all parameters at once.
 */
final class NdParameter {
    final String name;
    final INDArray value;
    final INDArray gradient;

    NdParameter(String name, int[] shape, long offset, INDArray values, INDArray gradients) {
        this.name = name;
        this.value = view(values, offset, shape);
        this.gradient = view(gradients, offset, shape);
    }

    private static INDArray view(INDArray flat, long offset, int[] shape) {
        long[] dimensions = new long[shape.length];
        long size = 1;
        for (int i = 0; i < shape.length; i++) {
            dimensions[i] = shape[i];
            size *= shape[i];
        }
        INDArray view = flat.get(NDArrayIndex.interval(offset, offset + size)).reshape('c', dimensions);
        if (!view.isView()) {
            throw new IllegalStateException("ND4J copied instead of viewing parameter storage");
        }
        return view;
    }
}
