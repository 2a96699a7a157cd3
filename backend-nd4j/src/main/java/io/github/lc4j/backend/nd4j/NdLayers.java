package io.github.lc4j.backend.nd4j;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layers as ND4J operations on resident arrays. Activations are [batch, …] float arrays.
 * Every layer writes into arrays it allocated for the current batch size and reuses them from
 * step to step: allocating an ND4J array costs about as much as a small operation on it, and a
 * training step allocates nothing once the batch size has been seen.
 *
 * <p>Convolution is one GEMM per direction on a patch matrix laid out [C·k·k, batch·outH·outW],
 * filled by k·k strided copies; libnd4j's own {@code im2col} and {@code conv2d} were 5–7× slower
 * than that on the 2-core machine. Pooling runs libnd4j's {@code maxpool2d} and {@code maxpool2d_bp}.
 */
final class NdLayers {
    private NdLayers() {}

    /**
     * One layer. {@code forward} may overwrite its input (element-wise activations work in place)
     * and returns an array the layer owns until its next call; {@code backward} gets the arrays
     * the forward pass left, fills parameter gradients and returns the input gradient, again an
     * array the layer owns.
     */
    interface NdLayer extends AutoCloseable {
        INDArray forward(INDArray input);

        INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient);

        @Override
        default void close() {}
    }

    /** y = x·W + b. */
    static final class Dense implements NdLayer {
        private final NdParameter weight;
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
        public INDArray forward(INDArray input) {
            INDArray x = flat(input);
            INDArray output = buffers.get("output", x.size(0), weight.value.size(1));
            Nd4j.exec(DynamicCustomOp.builder("xw_plus_b")
                    .addInputs(x, weight.value, bias.value)
                    .addOutputs(output)
                    .build());
            return output;
        }

        @Override
        public INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            INDArray x = flat(input);
            Nd4j.gemm(x, outputGradient, weight.gradient, true, false, 1.0, 0.0);
            outputGradient.sum(bias.gradient, 0);
            if (!needsInputGradient) {
                return null;
            }
            INDArray gradient = buffers.get("inputGradient", x.size(0), inputs);
            Nd4j.gemm(outputGradient, weight.value, gradient, false, true, 1.0, 0.0);
            return input.rank() == 2 ? gradient : gradient.reshape('c', input.shape());
        }

        @Override
        public void close() {
            buffers.close();
        }
    }

    /**
     * Convolution by im2col and GEMM with the batch folded into the GEMM's columns: the patch
     * matrix is [C·k·k, batch·outH·outW], filled by one strided copy per kernel offset, so the
     * forward pass, ∂W and ∂patches are each a single GEMM; libnd4j's {@code col2im} scatters
     * ∂patches back onto the input.
     */
    static final class Conv implements NdLayer {
        private final long[] inputShape;
        private final long[] outputShape;
        private final int kernel;
        private final int stride;
        private final int padding;
        /** Weights and their gradient as [F, C·k·k] matrices, bias and its gradient as [F, 1] columns. */
        private final INDArray weightMatrix;

        private final INDArray weightGradientMatrix;
        private final INDArray biasColumn;
        private final INDArray biasGradientColumn;
        private Plan plan;

        Conv(
                NdParameter weight,
                NdParameter bias,
                int[] inputShape,
                int[] outputShape,
                int kernel,
                int stride,
                int padding) {
            this.inputShape = toLong(inputShape);
            this.outputShape = toLong(outputShape);
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
            long[] matrix = {this.outputShape[0], this.inputShape[0] * kernel * kernel};
            long[] column = {this.outputShape[0], 1};
            weightMatrix = weight.value.reshape('c', matrix);
            weightGradientMatrix = weight.gradient.reshape('c', matrix);
            biasColumn = bias.value.reshape('c', column);
            biasGradientColumn = bias.gradient.reshape('c', column);
        }

        /** The arrays and views for one batch size; views cost microseconds each to make, so they are made once. */
        private final class Plan implements AutoCloseable {
            final long batch;
            final long columnsPerFilter;
            /** Patches [C, k, k, batch, outH, outW]; as a matrix [C·k·k, batch·outH·outW]. */
            final INDArray patches;

            final INDArray patchMatrix;
            final INDArray[] patchWindows;
            /** The input with its zero border, when the layer pads. */
            final INDArray padded;

            final INDArray paddedInterior;
            final INDArray[] inputWindows;
            /** W·P as [F, batch·outH·outW], and viewed [F, batch, outH·outW]. */
            final INDArray product;

            final INDArray productBySample;
            final INDArray output;
            /** The output [batch, F, outH, outW] viewed [F, batch, outH·outW]. */
            final INDArray outputByFilter;
            /** ∂Y as [F, batch, outH·outW], and as the matrix [F, batch·outH·outW]. */
            final INDArray gradientByFilter;

            final INDArray gradientMatrix;
            final INDArray ones;
            /** ∂P [C, k, k, batch, outH, outW], as a matrix and in col2im's [batch, C, k, k, outH, outW] order. */
            final INDArray patchGradients;

            final INDArray patchGradientMatrix;
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
                patches = Nd4j.create(DataType.FLOAT, channels, kernel, kernel, batch, height, width);
                patchMatrix = patches.reshape('c', new long[] {channels * kernel * kernel, columnsPerFilter});
                patchWindows = new INDArray[kernel * kernel];
                for (int row = 0; row < kernel; row++) {
                    for (int column = 0; column < kernel; column++) {
                        patchWindows[row * kernel + column] =
                                patches.get(all(), point(row), point(column), all(), all(), all());
                    }
                }
                inputWindows = new INDArray[kernel * kernel];
                if (padding > 0) {
                    padded = Nd4j.create(
                            DataType.FLOAT,
                            batch,
                            channels,
                            inputShape[1] + 2L * padding,
                            inputShape[2] + 2L * padding);
                    paddedInterior = padded.get(
                            all(),
                            all(),
                            interval(padding, padding + inputShape[1]),
                            interval(padding, padding + inputShape[2]));
                } else {
                    padded = null;
                    paddedInterior = null;
                }
                long filters = outputShape[0];
                product = Nd4j.create(DataType.FLOAT, filters, columnsPerFilter);
                productBySample = product.reshape('c', new long[] {filters, batch, height * width});
                output = Nd4j.create(DataType.FLOAT, batch, filters, height, width);
                outputByFilter = output.reshape('c', new long[] {batch, filters, height * width})
                        .permute(1, 0, 2);
                gradientByFilter = Nd4j.create(DataType.FLOAT, filters, batch, height * width);
                gradientMatrix = gradientByFilter.reshape('c', new long[] {filters, columnsPerFilter});
                ones = Nd4j.ones(DataType.FLOAT, columnsPerFilter, 1);
                patchGradients = Nd4j.create(DataType.FLOAT, channels, kernel, kernel, batch, height, width);
                patchGradientMatrix =
                        patchGradients.reshape('c', new long[] {channels * kernel * kernel, columnsPerFilter});
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
                    for (int row = 0; row < kernel; row++) {
                        for (int column = 0; column < kernel; column++) {
                            inputWindows[row * kernel + column] = source.get(
                                            all(),
                                            all(),
                                            interval(row, stride, row + stride * (height - 1) + 1),
                                            interval(column, stride, column + stride * (width - 1) + 1))
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
        public INDArray forward(INDArray input) {
            Plan current = plan(input.size(0));
            current.fill(images(input, inputShape));
            Nd4j.gemm(weightMatrix, current.patchMatrix, current.product, false, false, 1.0, 0.0);
            current.product.addiColumnVector(biasColumn);
            current.outputByFilter.assign(current.productBySample);
            return current.output;
        }

        /** ∂W = ∂Y·Pᵀ and ∂b = ∂Y·1 over the forward pass's patches P; ∂P = Wᵀ·∂Y, scattered back by col2im. */
        @Override
        public INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            Plan current = plan(input.size(0));
            current.gradientByFilter.assign(outputGradient
                    .reshape('c', new long[] {current.batch, outputShape[0], outputShape[1] * outputShape[2]})
                    .permute(1, 0, 2));
            Nd4j.gemm(current.gradientMatrix, current.patchMatrix, weightGradientMatrix, false, true, 1.0, 0.0);
            Nd4j.gemm(current.gradientMatrix, current.ones, biasGradientColumn, false, false, 1.0, 0.0);
            if (!needsInputGradient) {
                return null;
            }
            Nd4j.gemm(weightMatrix, current.gradientMatrix, current.patchGradientMatrix, true, false, 1.0, 0.0);
            // sH, sW, pH, pW, H, W, dH, dW, same-mode
            Nd4j.exec(DynamicCustomOp.builder("col2im")
                    .addInputs(current.patchGradientsBySample)
                    .addOutputs(current.inputGradient)
                    .addIntegerArguments(
                            stride, stride, padding, padding, (int) inputShape[1], (int) inputShape[2], 1, 1, 0)
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

    /** Max pooling with libnd4j's maxpool2d and maxpool2d_bp. */
    static final class MaxPool implements NdLayer {
        private final long[] inputShape;
        private final long[] outputShape;
        private final int size;
        private final int stride;
        private final Buffers buffers = new Buffers();

        MaxPool(int[] inputShape, int[] outputShape, int size, int stride) {
            this.inputShape = toLong(inputShape);
            this.outputShape = toLong(outputShape);
            this.size = size;
            this.stride = stride;
        }

        private int[] arguments() {
            // kH, kW, sH, sW, pH, pW, dH, dW, same-mode, extra parameter (unused by max), NHWC
            return new int[] {size, size, stride, stride, 0, 0, 1, 1, 0, 0, 0};
        }

        @Override
        public INDArray forward(INDArray input) {
            INDArray output = buffers.get("output", input.size(0), outputShape[0], outputShape[1], outputShape[2]);
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d")
                    .addInputs(images(input, inputShape))
                    .addOutputs(output)
                    .addIntegerArguments(arguments())
                    .build());
            return output;
        }

        @Override
        public INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            if (!needsInputGradient) {
                return null;
            }
            INDArray image = images(input, inputShape);
            INDArray inputGradient = buffers.get("inputGradient", image.shape());
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp")
                    .addInputs(image, outputGradient.reshape('c', output.shape()))
                    .addOutputs(inputGradient)
                    .addIntegerArguments(arguments())
                    .build());
            return inputGradient.reshape('c', input.shape());
        }

        @Override
        public void close() {
            buffers.close();
        }
    }

    /**
     * Element-wise tanh or ReLU, in place. The derivative comes from the output alone,
     * tanh' = 1 − y² and relu' = [y &gt; 0], in element-wise operations that each cost a fraction
     * of libnd4j's {@code tanh_bp} (which recomputes tanh) or {@code relu_bp}.
     */
    static final class Activation implements NdLayer {
        private final boolean tanh;
        private final Buffers buffers = new Buffers();

        Activation(boolean tanh) {
            this.tanh = tanh;
        }

        @Override
        public INDArray forward(INDArray input) {
            return tanh ? Transforms.tanh(input, false) : Transforms.relu(input, false);
        }

        @Override
        public INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            if (!needsInputGradient) {
                return null;
            }
            INDArray inputGradient = buffers.get("inputGradient", output.shape());
            if (tanh) {
                Nd4j.exec(new MulOp(output, output, inputGradient));
                inputGradient.rsubi(1.0);
            } else {
                Nd4j.exec(new Step(output, inputGradient, 0.0));
            }
            return inputGradient.muli(outputGradient.reshape('c', output.shape()));
        }

        @Override
        public void close() {
            buffers.close();
        }
    }

    /** Flatten: a reshape to [batch, C·H·W] (the 'c' order of [C, H, W] is lc4j's flat layout). */
    static final class Flatten implements NdLayer {
        @Override
        public INDArray forward(INDArray input) {
            return input.reshape('c', new long[] {input.size(0), input.length() / input.size(0)});
        }

        @Override
        public INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            return needsInputGradient ? outputGradient.reshape('c', input.shape()) : null;
        }
    }

    /** A batch of flat samples as [batch, C, H, W] images of {@code shape} [C, H, W]. */
    private static INDArray images(INDArray input, long[] shape) {
        return input.reshape('c', new long[] {input.size(0), shape[0], shape[1], shape[2]});
    }

    private static long[] toLong(int[] values) {
        long[] result = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }
}
