package io.github.lc4j.backend.cpu;

/** One trainable parameter with its gradient, momentum buffer and optional LC penalty target. */
final class Parameter {
    final String name;
    final float[] value;
    final float[] gradient;
    final float[] velocity;
    float[] target;

    Parameter(String name, int size) {
        this.name = name;
        this.value = new float[size];
        this.gradient = new float[size];
        this.velocity = new float[size];
    }
}
