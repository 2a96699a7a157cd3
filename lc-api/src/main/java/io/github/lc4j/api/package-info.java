/**
 * What users of lc4j touch: the model ({@link io.github.lc4j.api.ModelSpec} and its
 * {@link io.github.lc4j.api.Layer}s), {@link io.github.lc4j.api.Weights}, the
 * {@link io.github.lc4j.api.Codebook} family and {@link io.github.lc4j.api.CompressionTask}s, the
 * settings of a run ({@link io.github.lc4j.api.LcOptions}, {@link io.github.lc4j.api.MuSchedule},
 * {@link io.github.lc4j.api.OptimizerSpec}), its results ({@link io.github.lc4j.api.LcResult},
 * {@link io.github.lc4j.api.IterationRecord}, {@link io.github.lc4j.api.QuantizedGroup},
 * {@link io.github.lc4j.api.Evaluation}), progress ({@link io.github.lc4j.api.LcListener}) and the
 * exceptions. Host applications build these values and pass them to lc-core's {@code Lc4j}
 * facade; lc-core and the backends read them. Everything here is immutable unless documented
 * otherwise, and depends on the JDK only.
 */
package io.github.lc4j.api;
