package io.github.lc4j.backend.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** One parameter resident in ND4J: value, gradient, momentum buffer and optional penalty target. */
final class NdParameter {
    final String name;
    final INDArray value;
    final INDArray gradient;
    final INDArray velocity;
    INDArray target;

    NdParameter(String name, int[] shape) {
        long[] dimensions = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dimensions[i] = shape[i];
        }
        this.name = name;
        this.value = Nd4j.create(DataType.FLOAT, dimensions);
        this.gradient = Nd4j.create(DataType.FLOAT, dimensions);
        this.velocity = Nd4j.create(DataType.FLOAT, dimensions);
    }
}
