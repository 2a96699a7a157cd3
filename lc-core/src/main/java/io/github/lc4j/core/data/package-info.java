/**
 * Data sets and their readers: {@link io.github.lc4j.core.data.Dataset} (samples in memory),
 * {@link io.github.lc4j.core.data.TrainTestSplit}, {@link io.github.lc4j.core.data.DataSets} (the
 * embedded Fashion-MNIST sample, the full set from Debian's package, {@code .npz} files) and the
 * MNIST idx reader.
 */
package io.github.lc4j.core.data;
