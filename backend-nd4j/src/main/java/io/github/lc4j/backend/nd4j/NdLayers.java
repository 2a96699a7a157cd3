package io.github.lc4j.backend.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layers as ND4J operations on resident arrays. Activations are [batch, …] float arrays;
 * convolution runs libnd4j's native {@code conv2d} forward with weights in lc4j's [F, C, k, k]
 * layout (libnd4j weight format 1) and GEMMs on im2col patches backward; pooling runs libnd4j's
 * {@code maxpool2d} and {@code maxpool2d_bp}.
 */
final class NdLayers {
    private NdLayers() {
    }

    /** One layer: forward, and backward that fills parameter gradients and returns the input gradient. */
    interface NdLayer {
        INDArray forward(INDArray input);

        INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient);
    }

    /** y = x·W + b. */
    static final class Dense implements NdLayer {
        private final NdParameter weight;
        private final NdParameter bias;
        private final long inputs;

        Dense(NdParameter weight, NdParameter bias, long inputs) {
            this.weight = weight;
            this.bias = bias;
            this.inputs = inputs;
        }

        private INDArray flat(INDArray input) {
            return input.rank() == 2 ? input : input.reshape('c', input.size(0), inputs);
        }

        @Override
        public INDArray forward(INDArray input) {
            INDArray x = flat(input);
            INDArray output = Nd4j.create(DataType.FLOAT, x.size(0), weight.value.size(1));
            Nd4j.exec(DynamicCustomOp.builder("xw_plus_b").addInputs(x, weight.value, bias.value).addOutputs(output)
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
            INDArray gradient = Nd4j.gemm(outputGradient, weight.value, false, true);
            return input.rank() == 2 ? gradient : gradient.reshape('c', input.shape());
        }
    }

    /** Convolution: libnd4j's conv2d forward, im2col GEMMs backward. */
    static final class Conv implements NdLayer {
        private final NdParameter weight;
        private final NdParameter bias;
        private final long[] inputShape;
        private final long[] outputShape;
        private final int kernel;
        private final int stride;
        private final int padding;

        Conv(NdParameter weight, NdParameter bias, int[] inputShape, int[] outputShape, int kernel, int stride,
                int padding) {
            this.weight = weight;
            this.bias = bias;
            this.inputShape = toLong(inputShape);
            this.outputShape = toLong(outputShape);
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
        }

        private int[] arguments() {
            // kH, kW, sH, sW, pH, pW, dH, dW, same-mode, NHWC, weight format [oC, iC, kH, kW]
            return new int[] {kernel, kernel, stride, stride, padding, padding, 1, 1, 0, 0, 1};
        }

        private INDArray image(INDArray input) {
            long batch = input.size(0);
            return input.reshape('c', batch, inputShape[0], inputShape[1], inputShape[2]);
        }

        @Override
        public INDArray forward(INDArray input) {
            long batch = input.size(0);
            INDArray output = Nd4j.create(DataType.FLOAT, batch, outputShape[0], outputShape[1], outputShape[2]);
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(image(input), weight.value, bias.value)
                    .addOutputs(output).addIntegerArguments(arguments()).build());
            return output;
        }

        /**
         * Gradients by per-sample GEMMs on im2col's patch matrices, which are contiguous
         * [C·k·k, outH·outW] blocks per sample: ∂W = Σ_b ∂y_b·P_bᵀ and ∂P_b = Wᵀ·∂y_b, scattered back
         * by col2im. libnd4j's conv2d_bp took 30 and 64 ms for LeNet5's two layers at batch 128 on
         * the 2-core machine; this takes a fraction of that and needs no permutation.
         */
        @Override
        public INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            INDArray image = image(input);
            long batch = image.size(0);
            long channels = inputShape[0];
            long patchSize = channels * kernel * kernel;
            long positions = outputShape[1] * outputShape[2];
            INDArray gradientRows = outputGradient.reshape('c', batch, outputShape[0], positions);
            INDArray patches = Convolution.im2col(image, kernel, kernel, stride, stride, padding, padding, false)
                    .reshape('c', batch, patchSize, positions);
            INDArray weightGradient = weight.gradient.reshape('c', outputShape[0], patchSize);
            weightGradient.assign(0);
            for (long sample = 0; sample < batch; sample++) {
                Nd4j.gemm(gradientRows.slice(sample), patches.slice(sample), weightGradient, false, true, 1.0, 1.0);
            }
            bias.gradient.assign(gradientRows.sum(0, 2));
            if (!needsInputGradient) {
                return null;
            }
            INDArray weights = weight.value.reshape('c', outputShape[0], patchSize);
            INDArray columns = Nd4j.create(DataType.FLOAT, batch, patchSize, positions);
            for (long sample = 0; sample < batch; sample++) {
                Nd4j.gemm(weights, gradientRows.slice(sample), columns.slice(sample), true, false, 1.0, 0.0);
            }
            INDArray inputGradient = Convolution.col2im(columns.reshape('c', batch, channels, kernel, kernel,
                    outputShape[1], outputShape[2]), stride, stride, padding, padding, (int) inputShape[1],
                    (int) inputShape[2]);
            return inputGradient.reshape('c', input.shape());
        }
    }

    /** Max pooling with libnd4j's maxpool2d and maxpool2d_bp. */
    static final class MaxPool implements NdLayer {
        private final long[] inputShape;
        private final long[] outputShape;
        private final int size;
        private final int stride;

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

        private INDArray image(INDArray input) {
            return input.reshape('c', input.size(0), inputShape[0], inputShape[1], inputShape[2]);
        }

        @Override
        public INDArray forward(INDArray input) {
            INDArray output = Nd4j.create(DataType.FLOAT, input.size(0), outputShape[0], outputShape[1],
                    outputShape[2]);
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d").addInputs(image(input)).addOutputs(output)
                    .addIntegerArguments(arguments()).build());
            return output;
        }

        @Override
        public INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            if (!needsInputGradient) {
                return null;
            }
            INDArray image = image(input);
            INDArray inputGradient = Nd4j.create(DataType.FLOAT, image.shape());
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp")
                    .addInputs(image, outputGradient.reshape('c', output.shape())).addOutputs(inputGradient)
                    .addIntegerArguments(arguments()).build());
            return inputGradient.reshape('c', input.shape());
        }
    }

    /** Element-wise tanh or ReLU. */
    static final class Activation implements NdLayer {
        private final boolean tanh;

        Activation(boolean tanh) {
            this.tanh = tanh;
        }

        @Override
        public INDArray forward(INDArray input) {
            return tanh ? Transforms.tanh(input, true) : Transforms.relu(input, true);
        }

        @Override
        public INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            if (!needsInputGradient) {
                return null;
            }
            INDArray gradient = outputGradient.reshape('c', output.shape());
            INDArray inputGradient = Nd4j.create(DataType.FLOAT, output.shape());
            Nd4j.exec(DynamicCustomOp.builder(tanh ? "tanh_bp" : "relu_bp").addInputs(input.reshape('c',
                    output.shape()), gradient).addOutputs(inputGradient).build());
            return inputGradient;
        }
    }

    /** Flatten: a reshape to [batch, C·H·W] (the 'c' order of [C, H, W] is lc4j's flat layout). */
    static final class Flatten implements NdLayer {
        @Override
        public INDArray forward(INDArray input) {
            return input.reshape('c', input.size(0), input.length() / input.size(0));
        }

        @Override
        public INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            return needsInputGradient ? outputGradient.reshape('c', input.shape()) : null;
        }
    }

    private static long[] toLong(int[] values) {
        long[] result = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }
}
