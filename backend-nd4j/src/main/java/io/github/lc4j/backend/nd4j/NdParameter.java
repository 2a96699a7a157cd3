package io.github.lc4j.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One parameter resident in ND4J: its value is a view into the trainer's flat values array and,
 * for a trained parameter, its gradient a view into the flat gradients array at the same offset,
 * so that the penalty and the update are a few operations over all trained parameters at once.
 * Running statistics have no gradient ({@code gradient} is null): they sit after the trained
 * parameters, outside the prefix the update covers.
 */
final class NdParameter {
    final String name;
    final long offset;
    final long size;
    final INDArray value;
    /** Null for a parameter that is not trained (running statistics). */
    final INDArray gradient;

    NdParameter(String name, int[] shape, long offset, INDArray values, INDArray gradients) {
        this.name = name;
        this.offset = offset;
        long count = 1;
        for (int dimension : shape) {
            count *= dimension;
        }
        this.size = count;
        this.value = view(values, offset, shape);
        this.gradient = gradients == null ? null : view(gradients, offset, shape);
    }

    private static INDArray view(INDArray flat, long offset, int[] shape) {
        long[] dimensions = new long[shape.length];
        long size = 1;
        for (int i = 0; i < shape.length; i++) {
            dimensions[i] = shape[i];
            size *= shape[i];
        }
        INDArray view;
        if (offset == 0 && size == flat.length()) {
            // the whole array: ND4J's interval over all of it is a copy-free array that does not call itself a view
            view = dimensions.length == 1 ? flat : flat.reshape('c', dimensions);
        } else {
            view = flat.get(NDArrayIndex.interval(offset, offset + size)).reshape('c', dimensions);
        }
        if (view != flat && !view.isView()) {
            throw new IllegalStateException("ND4J copied instead of viewing parameter storage");
        }
        return view;
    }
}
