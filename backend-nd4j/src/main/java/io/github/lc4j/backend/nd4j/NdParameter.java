package io.github.lc4j.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One parameter resident in ND4J: value, gradient and momentum buffer are views into the
 * trainer's flat arrays (so that the update is a few operations over all parameters at once),
 * plus an optional penalty target.
 */
final class NdParameter {
    final String name;
    final INDArray value;
    final INDArray gradient;
    final INDArray velocity;
    INDArray target;

    NdParameter(String name, int[] shape, long offset, INDArray values, INDArray gradients, INDArray velocities) {
        this.name = name;
        this.value = view(values, offset, shape);
        this.gradient = view(gradients, offset, shape);
        this.velocity = view(velocities, offset, shape);
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
