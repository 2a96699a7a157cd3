package io.github.lc4j.backend.nd4j;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import io.github.lc4j.api.Window;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMax;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMin;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The nodes as ND4J operations on resident arrays. Activations are [batch, …] float arrays, dense
 * in C order. Every layer writes into arrays it allocated for the current batch size and reuses
 * them from step to step: allocating an ND4J array costs about as much as a small operation on
 * it, and a training step allocates nothing once the batch size has been seen.
 *
 * <p>Convolution is one GEMM per direction and group on a patch matrix laid out
 * [C·kh·kw, batch·outH·outW], filled by kh·kw strided copies; libnd4j's own {@code im2col} and
 * {@code conv2d} were 5–7× slower than that on the 2-core machine. Pooling runs libnd4j's kernels
 * (see {@link NdPooling}).
 */
final class NdLayers {
    private NdLayers() {}

    /**
     * One node. {@code forward} returns an array the layer owns until its next call (an in-place
     * activation returns its input, which the trainer allows only when nothing else reads it);
     * {@code backward} gets the arrays the forward pass left, fills the node's parameter
     * gradients and returns, per input, the gradient of that input (null where not needed): a
     * dense C-order array with the input's length, which the layer owns or which is the output
     * gradient itself or a reshape of it. Neither the trainer nor any layer writes into an array
     * it receives as a gradient.
     */
    interface NdLayer extends AutoCloseable {
        /**
         * Runs the node forward.
         *
         * @param training whether batch normalization uses (and updates) batch statistics
         */
        INDArray forward(INDArray[] inputs, boolean training);

        INDArray[] backward(INDArray[] inputs, INDArray output, INDArray outputGradient, boolean[] needsInputGradient);

        @Override
        default void close() {}
    }

    /** A node with one input. */
    abstract static class Unary implements NdLayer {
        private final INDArray[] gradients = new INDArray[1];

        abstract INDArray forward(INDArray input, boolean training);

        abstract INDArray backward(
                INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient);

        @Override
        public final INDArray forward(INDArray[] inputs, boolean training) {
            return forward(inputs[0], training);
        }

        @Override
        public final INDArray[] backward(
                INDArray[] inputs, INDArray output, INDArray outputGradient, boolean[] needsInputGradient) {
            gradients[0] = backward(inputs[0], output, outputGradient, needsInputGradient[0]);
            return gradients;
        }
    }

    /** y = x·W (+ b). */
    static final class Dense extends Unary {
        private final NdParameter weight;
        /** Null without a bias. */
        private final NdParameter bias;

        private final long inputs;
        private final Buffers buffers = new Buffers();

        Dense(NdParameter weight, NdParameter bias, long inputs) {
            this.weight = weight;
            this.bias = bias;
            this.inputs = inputs;
        }

        private INDArray flat(INDArray input) {
            return input.rank() == 2 ? input : input.reshape('c', new long[] {input.size(0), inputs});
        }

        @Override
        INDArray forward(INDArray input, boolean training) {
            INDArray x = flat(input);
            INDArray output = buffers.get("output", x.size(0), weight.value.size(1));
            if (bias == null) {
                Nd4j.gemm(x, weight.value, output, false, false, 1.0, 0.0);
            } else {
                Nd4j.exec(DynamicCustomOp.builder("xw_plus_b")
                        .addInputs(x, weight.value, bias.value)
                        .addOutputs(output)
                        .build());
            }
            return output;
        }

        @Override
        INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            INDArray x = flat(input);
            INDArray gradient = shaped(outputGradient, output.shape());
            Nd4j.gemm(x, gradient, weight.gradient, true, false, 1.0, 0.0);
            if (bias != null) {
                gradient.sum(bias.gradient, 0);
            }
            if (!needsInputGradient) {
                return null;
            }
            INDArray inputGradient = buffers.get("inputGradient", x.size(0), inputs);
            Nd4j.gemm(gradient, weight.value, inputGradient, false, true, 1.0, 0.0);
            return input.rank() == 2 ? inputGradient : inputGradient.reshape('c', input.shape());
        }

        @Override
        public void close() {
            buffers.close();
        }
    }

    /**
     * Convolution by im2col and GEMM with the batch folded into the GEMM's columns: the patch
     * matrix is [C·kh·kw, batch·outH·outW], filled by one strided copy per kernel offset (dilation
     * spaces the offsets, padding comes from a zero-bordered copy of the input), so the forward
     * pass, ∂W and ∂patches are each a single GEMM per group; libnd4j's {@code col2im} scatters
     * ∂patches back onto the input. A group reads a contiguous block of the patch matrix's rows
     * and owns a contiguous block of the filters.
     */
    static final class Conv extends Unary {
        private final long[] inputShape;
        private final long[] outputShape;
        private final Window window;
        private final int kernelHeight;
        private final int kernelWidth;
        private final int groups;
        /** Rows of the patch matrix per group: (C / groups)·kh·kw. */
        private final long groupRows;
        /** Filters per group. */
        private final long groupFilters;
        /** Weights and their gradient as [F, C/g·kh·kw] matrices, one row block per group. */
        private final INDArray[] weightBlocks;

        private final INDArray[] weightGradientBlocks;
        /** Bias and its gradient as [F, 1] columns; null without a bias. */
        private final INDArray biasColumn;

        private final INDArray biasGradientColumn;
        private Plan plan;

        Conv(NdParameter weight, NdParameter bias, int[] inputShape, int[] outputShape, Window window, int groups) {
            this.inputShape = toLong(inputShape);
            this.outputShape = toLong(outputShape);
            this.window = window;
            this.kernelHeight = window.kernelHeight();
            this.kernelWidth = window.kernelWidth();
            this.groups = groups;
            long filters = this.outputShape[0];
            groupRows = this.inputShape[0] / groups * kernelHeight * kernelWidth;
            groupFilters = filters / groups;
            long[] matrix = {filters, groupRows};
            INDArray weightMatrix = weight.value.reshape('c', matrix);
            INDArray weightGradientMatrix = weight.gradient.reshape('c', matrix);
            weightBlocks = rowBlocks(weightMatrix, groups, groupFilters);
            weightGradientBlocks = rowBlocks(weightGradientMatrix, groups, groupFilters);
            long[] column = {filters, 1};
            biasColumn = bias == null ? null : bias.value.reshape('c', column);
            biasGradientColumn = bias == null ? null : bias.gradient.reshape('c', column);
        }

        /** The arrays and views for one batch size; views cost microseconds each to make, so they are made once. */
        private final class Plan implements AutoCloseable {
            final long batch;
            final long columnsPerFilter;
            /** Patches [C, kh, kw, batch, outH, outW]; as a matrix [C·kh·kw, batch·outH·outW]. */
            final INDArray patches;

            final INDArray patchMatrix;
            final INDArray[] patchBlocks;
            final INDArray[] patchWindows;
            /** The input with its zero border, when the node pads. */
            final INDArray padded;

            final INDArray paddedInterior;
            final INDArray[] inputWindows;
            /** W·P as [F, batch·outH·outW], and viewed [F, batch, outH·outW]. */
            final INDArray product;

            final INDArray[] productBlocks;
            final INDArray productBySample;
            final INDArray output;
            /** The output [batch, F, outH, outW] viewed [F, batch, outH·outW]. */
            final INDArray outputByFilter;
            /** ∂Y as [F, batch, outH·outW], and as the matrix [F, batch·outH·outW]. */
            final INDArray gradientByFilter;

            final INDArray gradientMatrix;
            final INDArray[] gradientBlocks;
            final INDArray ones;
            /** ∂P [C, kh, kw, batch, outH, outW], as a matrix and in col2im's [batch, C, kh, kw, outH, outW] order. */
            final INDArray patchGradients;

            final INDArray patchGradientMatrix;
            final INDArray[] patchGradientBlocks;
            final INDArray patchGradientsBySample;
            final INDArray inputGradient;
            /** The storage and offset that {@link #inputWindows} view: reshapes make new array objects on each call. */
            private DataBuffer windowsOf;

            private long windowsOffset = -1;

            Plan(long batch) {
                this.batch = batch;
                long channels = inputShape[0];
                long height = outputShape[1];
                long width = outputShape[2];
                columnsPerFilter = batch * height * width;
                patches = Nd4j.create(DataType.FLOAT, channels, kernelHeight, kernelWidth, batch, height, width);
                patchMatrix =
                        patches.reshape('c', new long[] {channels * kernelHeight * kernelWidth, columnsPerFilter});
                patchBlocks = rowBlocks(patchMatrix, groups, groupRows);
                patchWindows = new INDArray[kernelHeight * kernelWidth];
                for (int row = 0; row < kernelHeight; row++) {
                    for (int column = 0; column < kernelWidth; column++) {
                        patchWindows[row * kernelWidth + column] =
                                patches.get(all(), point(row), point(column), all(), all(), all());
                    }
                }
                inputWindows = new INDArray[kernelHeight * kernelWidth];
                if (!window.unpadded()) {
                    padded = Nd4j.create(
                            DataType.FLOAT,
                            batch,
                            channels,
                            inputShape[1] + window.padTop() + window.padBottom(),
                            inputShape[2] + window.padLeft() + window.padRight());
                    paddedInterior = padded.get(
                            all(),
                            all(),
                            interval(window.padTop(), window.padTop() + inputShape[1]),
                            interval(window.padLeft(), window.padLeft() + inputShape[2]));
                } else {
                    padded = null;
                    paddedInterior = null;
                }
                long filters = outputShape[0];
                product = Nd4j.create(DataType.FLOAT, filters, columnsPerFilter);
                productBlocks = rowBlocks(product, groups, groupFilters);
                productBySample = product.reshape('c', new long[] {filters, batch, height * width});
                output = Nd4j.create(DataType.FLOAT, batch, filters, height, width);
                outputByFilter = output.reshape('c', new long[] {batch, filters, height * width})
                        .permute(1, 0, 2);
                gradientByFilter = Nd4j.create(DataType.FLOAT, filters, batch, height * width);
                gradientMatrix = gradientByFilter.reshape('c', new long[] {filters, columnsPerFilter});
                gradientBlocks = rowBlocks(gradientMatrix, groups, groupFilters);
                ones = Nd4j.ones(DataType.FLOAT, columnsPerFilter, 1);
                patchGradients = Nd4j.create(DataType.FLOAT, channels, kernelHeight, kernelWidth, batch, height, width);
                patchGradientMatrix = patchGradients.reshape(
                        'c', new long[] {channels * kernelHeight * kernelWidth, columnsPerFilter});
                patchGradientBlocks = rowBlocks(patchGradientMatrix, groups, groupRows);
                patchGradientsBySample = patchGradients.permute(3, 0, 1, 2, 4, 5);
                inputGradient = Nd4j.create(DataType.FLOAT, batch, channels, inputShape[1], inputShape[2]);
            }

            /** Copies every kernel offset's strided window of the image into the patch matrix. */
            void fill(INDArray image) {
                INDArray source = image;
                if (padded != null) {
                    paddedInterior.assign(image);
                    source = padded;
                }
                DataBuffer storage = source.data().originalDataBuffer() == null
                        ? source.data()
                        : source.data().originalDataBuffer();
                if (storage != windowsOf || source.offset() != windowsOffset) {
                    long height = outputShape[1];
                    long width = outputShape[2];
                    int strideHeight = window.strideHeight();
                    int strideWidth = window.strideWidth();
                    for (int row = 0; row < kernelHeight; row++) {
                        long top = (long) row * window.dilationHeight();
                        for (int column = 0; column < kernelWidth; column++) {
                            long left = (long) column * window.dilationWidth();
                            inputWindows[row * kernelWidth + column] = source.get(
                                            all(),
                                            all(),
                                            interval(top, strideHeight, top + strideHeight * (height - 1) + 1),
                                            interval(left, strideWidth, left + strideWidth * (width - 1) + 1))
                                    .permute(1, 0, 2, 3);
                        }
                    }
                    windowsOf = storage;
                    windowsOffset = source.offset();
                }
                for (int i = 0; i < patchWindows.length; i++) {
                    patchWindows[i].assign(inputWindows[i]);
                }
            }

            @Override
            public void close() {
                for (INDArray array : new INDArray[] {
                    patches, padded, product, output, gradientByFilter, ones, patchGradients, inputGradient
                }) {
                    if (array != null) {
                        array.close();
                    }
                }
            }
        }

        private Plan plan(long batch) {
            if (plan == null || plan.batch != batch) {
                close();
                plan = new Plan(batch);
            }
            return plan;
        }

        @Override
        INDArray forward(INDArray input, boolean training) {
            Plan current = plan(input.size(0));
            current.fill(images(input, inputShape));
            for (int group = 0; group < groups; group++) {
                Nd4j.gemm(
                        weightBlocks[group],
                        current.patchBlocks[group],
                        current.productBlocks[group],
                        false,
                        false,
                        1.0,
                        0.0);
            }
            if (biasColumn != null) {
                // NumPy-style broadcasting of the pairwise add: 3× faster than addiColumnVector, same sums
                Nd4j.exec(new AddOp(current.product, biasColumn, current.product));
            }
            current.outputByFilter.assign(current.productBySample);
            return current.output;
        }

        /** ∂W = ∂Y·Pᵀ and ∂b = ∂Y·1 over the forward pass's patches P; ∂P = Wᵀ·∂Y, scattered back by col2im. */
        @Override
        INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            Plan current = plan(input.size(0));
            current.gradientByFilter.assign(outputGradient
                    .reshape('c', new long[] {current.batch, outputShape[0], outputShape[1] * outputShape[2]})
                    .permute(1, 0, 2));
            for (int group = 0; group < groups; group++) {
                Nd4j.gemm(
                        current.gradientBlocks[group],
                        current.patchBlocks[group],
                        weightGradientBlocks[group],
                        false,
                        true,
                        1.0,
                        0.0);
            }
            if (biasGradientColumn != null) {
                Nd4j.gemm(current.gradientMatrix, current.ones, biasGradientColumn, false, false, 1.0, 0.0);
            }
            if (!needsInputGradient) {
                return null;
            }
            for (int group = 0; group < groups; group++) {
                Nd4j.gemm(
                        weightBlocks[group],
                        current.gradientBlocks[group],
                        current.patchGradientBlocks[group],
                        true,
                        false,
                        1.0,
                        0.0);
            }
            // sH, sW, pH, pW, H, W, dH, dW, same-mode: the top and left pads place the windows,
            // positions past the bottom and right edges (the other pads) are dropped
            Nd4j.exec(DynamicCustomOp.builder("col2im")
                    .addInputs(current.patchGradientsBySample)
                    .addOutputs(current.inputGradient)
                    .addIntegerArguments(
                            window.strideHeight(),
                            window.strideWidth(),
                            window.padTop(),
                            window.padLeft(),
                            (int) inputShape[1],
                            (int) inputShape[2],
                            window.dilationHeight(),
                            window.dilationWidth(),
                            0)
                    .build());
            return current.inputGradient.reshape('c', input.shape());
        }

        @Override
        public void close() {
            if (plan != null) {
                plan.close();
                plan = null;
            }
        }
    }

    /** The element-wise activations whose derivative comes from the output alone. */
    enum Kind {
        RELU,
        TANH,
        SIGMOID,
        CLIP
    }

    /**
     * Element-wise ReLU, tanh, sigmoid or clip, in place when the trainer allows it. The
     * derivative comes from the output alone, tanh' = 1 − y², relu' = [y &gt; 0], sigmoid' =
     * y − y², clip' = [min &lt; y &lt; max], in element-wise operations that each cost a fraction
     * of libnd4j's {@code tanh_bp} (which recomputes tanh) or {@code relu_bp}.
     */
    static final class Activation extends Unary {
        private final Kind kind;
        private final boolean inPlace;
        private final float min;
        private final float max;
        private final Buffers buffers = new Buffers();

        Activation(Kind kind, boolean inPlace) {
            this(kind, inPlace, 0, 0);
        }

        Activation(Kind kind, boolean inPlace, float min, float max) {
            this.kind = kind;
            this.inPlace = inPlace;
            this.min = min;
            this.max = max;
        }

        @Override
        INDArray forward(INDArray input, boolean training) {
            if (inPlace && kind == Kind.TANH) {
                return Transforms.tanh(input, false);
            }
            if (inPlace && kind == Kind.RELU) {
                return Transforms.relu(input, false);
            }
            INDArray output = inPlace ? input : buffers.get("output", input.shape());
            switch (kind) {
                case RELU -> Nd4j.exec(new RectifiedLinear(input, output, 0.0));
                case TANH -> Nd4j.exec(new Tanh(input, output));
                case SIGMOID -> Nd4j.exec(new Sigmoid(input, output));
                case CLIP -> {
                    Nd4j.exec(new ScalarMax(input, null, output, min));
                    Nd4j.exec(new ScalarMin(output, null, output, max));
                }
            }
            return output;
        }

        @Override
        INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            if (!needsInputGradient) {
                return null;
            }
            INDArray inputGradient = buffers.get("inputGradient", output.shape());
            switch (kind) {
                case TANH -> {
                    Nd4j.exec(new MulOp(output, output, inputGradient));
                    inputGradient.rsubi(1.0);
                }
                case RELU -> Nd4j.exec(new Step(output, inputGradient, 0.0));
                case SIGMOID -> {
                    Nd4j.exec(new MulOp(output, output, inputGradient));
                    Nd4j.exec(new SubOp(output, inputGradient, inputGradient));
                }
                case CLIP -> {
                    if (min < max) {
                        // [y > min] − [y ≥ max]: y lies in [min, max], and y = max also passes y > min
                        INDArray atMax = buffers.get("atMax", output.shape());
                        Nd4j.exec(new Step(output, inputGradient, min));
                        Nd4j.exec(new Step(output, atMax, Math.nextDown(max)));
                        inputGradient.subi(atMax);
                    } else {
                        inputGradient.assign(0);
                    }
                }
            }
            return inputGradient.muli(shaped(outputGradient, output.shape()));
        }

        @Override
        public void close() {
            buffers.close();
        }
    }

    /**
     * Hard swish, x·min(max(x + 3, 0), 6)/6, never in place: its derivative, 0 for x ≤ −3, 1 for
     * x ≥ 3 and (2x + 3)/6 between, needs the input.
     */
    static final class HardSwish extends Unary {
        private final Buffers buffers = new Buffers();

        @Override
        INDArray forward(INDArray input, boolean training) {
            INDArray output = buffers.get("output", input.shape());
            Nd4j.exec(new ScalarAdd(input, null, output, 3.0));
            Nd4j.exec(new ScalarMax(output, null, output, 0.0));
            Nd4j.exec(new ScalarMin(output, null, output, 6.0));
            Nd4j.exec(new MulOp(output, input, output));
            Nd4j.exec(new ScalarMultiplication(output, null, output, 1.0 / 6));
            return output;
        }

        @Override
        INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            if (!needsInputGradient) {
                return null;
            }
            INDArray inputGradient = buffers.get("inputGradient", input.shape());
            INDArray inside = buffers.get("inside", input.shape());
            INDArray above = buffers.get("above", input.shape());
            // (2x + 3)/6 = x/3 + 1/2 where −3 < x < 3, 1 where x ≥ 3
            Nd4j.exec(new ScalarMultiplication(input, null, inputGradient, 1.0 / 3));
            inputGradient.addi(0.5);
            Nd4j.exec(new Step(input, inside, -3.0));
            Nd4j.exec(new Step(input, above, Math.nextDown(3f)));
            inside.subi(above);
            inputGradient.muli(inside).addi(above);
            return inputGradient.muli(shaped(outputGradient, input.shape()));
        }

        @Override
        public void close() {
            buffers.close();
        }
    }

    /** Flatten: a reshape to [batch, C·H·W] (the 'c' order of [C, H, W] is lc4j's flat layout). */
    static final class Flatten extends Unary {
        @Override
        INDArray forward(INDArray input, boolean training) {
            return input.rank() == 2
                    ? input
                    : input.reshape('c', new long[] {input.size(0), input.length() / input.size(0)});
        }

        @Override
        INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            return needsInputGradient ? shaped(outputGradient, input.shape()) : null;
        }
    }

    /** A batch of flat samples as [batch, C, H, W] images of {@code shape} [C, H, W]. */
    static INDArray images(INDArray input, long[] shape) {
        if (input.rank() == 4) {
            return input;
        }
        return input.reshape('c', new long[] {input.size(0), shape[0], shape[1], shape[2]});
    }

    /** {@code array} with {@code shape}: itself when it has it, else a C-order reshape (a view of a dense array). */
    static INDArray shaped(INDArray array, long... shape) {
        return Arrays.equals(array.shape(), shape) ? array : array.reshape('c', shape);
    }

    /** Views of {@code count} consecutive row blocks of {@code rows} rows each; the matrix itself for one. */
    static INDArray[] rowBlocks(INDArray matrix, int count, long rows) {
        INDArray[] blocks = new INDArray[count];
        if (count == 1) {
            blocks[0] = matrix;
            return blocks;
        }
        for (int i = 0; i < count; i++) {
            blocks[i] = matrix.get(interval(i * rows, (i + 1) * rows), all());
        }
        return blocks;
    }

    static long[] toLong(int[] values) {
        long[] result = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }
}
