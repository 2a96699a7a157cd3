package io.github.lc4j.backend.tensorflow;

import static io.github.lc4j.api.support.Checks.checkArgument;

import io.github.lc4j.api.spi.CStepKernels;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * The C step's per-weight kernels as TensorFlow ops. Comparisons and the multiplier update run
 * in float64, as the reference does, so assignments and reconstructions are identical and
 * multipliers agree to the rounding of one float. Each kernel is one small graph built once.
 */
final class TensorFlowKernels implements CStepKernels {
    private final Graph graph = new Graph();
    private final Session session;
    private final Placeholder<TFloat32> x;
    private final Placeholder<TFloat32> y;
    private final Placeholder<TFloat32> z;
    private final Placeholder<TFloat64> midpoints;
    private final Placeholder<TFloat32> codebook;
    private final Placeholder<TInt32> assignments;
    private final Placeholder<TFloat64> mu;
    private final Operand<TInt32> assign;
    private final Operand<TFloat32> reconstruct;
    private final Operand<TFloat32> multipliers;
    private final Operand<TFloat64> distortion;

    TensorFlowKernels() {
        Ops tf = Ops.create(graph);
        x = tf.placeholder(TFloat32.class);
        y = tf.placeholder(TFloat32.class);
        z = tf.placeholder(TFloat32.class);
        midpoints = tf.placeholder(TFloat64.class);
        codebook = tf.placeholder(TFloat32.class);
        assignments = tf.placeholder(TInt32.class);
        mu = tf.placeholder(TFloat64.class, Placeholder.shape(Shape.scalar()));
        Operand<TFloat64> wide = tf.dtypes.cast(x, TFloat64.class);
        // index = number of midpoints strictly below x: ties go to the lower entry
        Operand<TFloat64> column = tf.expandDims(wide, tf.constant(1));
        Operand<TFloat64> row = tf.expandDims(midpoints, tf.constant(0));
        assign = tf.sum(tf.dtypes.cast(tf.math.greater(column, row), TInt32.class), tf.constant(1));
        reconstruct = tf.gather(codebook, assignments, tf.constant(0));
        Operand<TFloat64> difference =
                tf.math.sub(tf.dtypes.cast(y, TFloat64.class), tf.dtypes.cast(z, TFloat64.class));
        multipliers = tf.dtypes.cast(tf.math.sub(wide, tf.math.mul(mu, difference)), TFloat32.class);
        Operand<TFloat64> delta = tf.math.sub(wide, tf.dtypes.cast(y, TFloat64.class));
        distortion = tf.sum(tf.math.square(delta), tf.constant(0));
        session = new Session(graph);
    }

    @Override
    public synchronized void assign(float[] values, float[] sortedCodebook, int[] result) {
        checkArgument(
                result.length == values.length,
                "assignments have %d slots for %d values",
                result.length,
                values.length);
        double[] borders = CStepKernels.midpoints(sortedCodebook);
        if (borders.length == 0) {
            java.util.Arrays.fill(result, 0);
            return;
        }
        try (TFloat32 input = vector(values);
                TFloat64 border = TFloat64.tensorOf(Shape.of(borders.length), DataBuffers.of(borders, true, false));
                Result output = session.runner()
                        .feed(x, input)
                        .feed(midpoints, border)
                        .fetch(assign)
                        .run()) {
            ((TInt32) output.get(0)).copyTo(DataBuffers.of(result, false, false));
        }
    }

    @Override
    public synchronized void reconstruct(int[] indices, float[] values, float[] quantized) {
        checkArgument(
                indices.length == quantized.length,
                "output has %d slots for %d assignments",
                quantized.length,
                indices.length);
        try (TFloat32 table = vector(values);
                TInt32 index = TInt32.tensorOf(Shape.of(indices.length), DataBuffers.of(indices, true, false));
                Result output = session.runner()
                        .feed(codebook, table)
                        .feed(assignments, index)
                        .fetch(reconstruct)
                        .run()) {
            ((TFloat32) output.get(0)).copyTo(DataBuffers.of(quantized, false, false));
        }
    }

    @Override
    public synchronized void updateMultipliers(float[] lambda, float[] weights, float[] quantized, double penalty) {
        checkArgument(
                lambda.length == weights.length && weights.length == quantized.length,
                "multiplier update needs equal lengths, got %d, %d, %d",
                lambda.length,
                weights.length,
                quantized.length);
        try (TFloat32 l = vector(lambda);
                TFloat32 w = vector(weights);
                TFloat32 q = vector(quantized);
                org.tensorflow.types.TFloat64 m = org.tensorflow.types.TFloat64.scalarOf(penalty);
                Result output = session.runner()
                        .feed(x, l)
                        .feed(y, w)
                        .feed(z, q)
                        .feed(mu, m)
                        .fetch(multipliers)
                        .run()) {
            ((TFloat32) output.get(0)).copyTo(DataBuffers.of(lambda, false, false));
        }
    }

    @Override
    public synchronized double distortion(float[] values, float[] quantized) {
        checkArgument(
                values.length == quantized.length,
                "distortion needs equal lengths, got %d and %d",
                values.length,
                quantized.length);
        try (TFloat32 a = vector(values);
                TFloat32 b = vector(quantized);
                Result output =
                        session.runner().feed(x, a).feed(y, b).fetch(distortion).run()) {
            return ((TFloat64) output.get(0)).getDouble();
        }
    }

    private static TFloat32 vector(float[] values) {
        return TFloat32.tensorOf(Shape.of(values.length), DataBuffers.of(values, true, false));
    }

    @Override
    public String toString() {
        return "tensorflow C-step kernels " + List.of("assign", "reconstruct", "multipliers", "distortion");
    }
}
