/**
 * What a host application uses, with {@code io.github.lc4j.api}: the {@link io.github.lc4j.core.Lc4j}
 * facade (built once per backend; blocking and asynchronous runs; the file formats), the requests
 * it runs ({@link io.github.lc4j.core.TrainingRequest}, {@link io.github.lc4j.core.CompressionRequest}),
 * data sets ({@link io.github.lc4j.core.data.DataSets}, {@link io.github.lc4j.core.data.Dataset},
 * {@link io.github.lc4j.core.data.TrainTestSplit}), the model zoo and seeded initialization, and
 * codebook specs from user text ({@link io.github.lc4j.core.CodebookSpecs}). The LC loop and the
 * Guice wiring behind the facade are package-private.
 */
package io.github.lc4j.core;
