package io.github.lc4j.backend.nd4j;

import static io.github.lc4j.backend.nd4j.NdLayers.images;
import static io.github.lc4j.backend.nd4j.NdLayers.shaped;
import static io.github.lc4j.backend.nd4j.NdLayers.toLong;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import io.github.lc4j.api.Window;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Pooling with libnd4j's {@code maxpool2d}/{@code avgpool2d} kernels and their {@code _bp}
 * gradients, always called without padding: a padded window pools a copy of the input with an
 * explicit border, −∞ for max pooling (a padded position never wins) and 0 for average pooling,
 * which also covers padding that differs between sides.
 */
final class NdPooling {
    private NdPooling() {}

    /** What max and average pooling share: the window and the bordered copy of the input. */
    private abstract static class Pool extends NdLayers.Unary {
        final long[] inputShape;
        final long[] outputShape;
        final Window window;
        final Buffers buffers = new Buffers();
        private final float border;
        private final int extraParameter;
        private INDArray padded;
        private INDArray paddedInterior;
        private INDArray paddedGradient;
        private INDArray paddedGradientInterior;

        Pool(int[] inputShape, int[] outputShape, Window window, float border, int extraParameter) {
            this.inputShape = toLong(inputShape);
            this.outputShape = toLong(outputShape);
            this.window = window;
            this.border = border;
            this.extraParameter = extraParameter;
        }

        /**
         * kH, kW, sH, sW, pH, pW, dH, dW, same-mode, extra parameter (unused by max; average: 1 =
         * divide by kH·kW), NHWC.
         */
        int[] arguments() {
            return new int[] {
                window.kernelHeight(),
                window.kernelWidth(),
                window.strideHeight(),
                window.strideWidth(),
                0,
                0,
                1,
                1,
                0,
                extraParameter,
                0
            };
        }

        /** The images to pool: the input itself, or its copy inside the border. */
        INDArray source(INDArray input) {
            INDArray image = images(input, inputShape);
            if (window.unpadded()) {
                return image;
            }
            long batch = image.size(0);
            if (padded == null || padded.size(0) != batch) {
                closePadded();
                long height = inputShape[1] + window.padTop() + window.padBottom();
                long width = inputShape[2] + window.padLeft() + window.padRight();
                padded = Nd4j.valueArrayOf(new long[] {batch, inputShape[0], height, width}, border, DataType.FLOAT);
                paddedGradient = Nd4j.create(DataType.FLOAT, batch, inputShape[0], height, width);
                paddedInterior = interior(padded);
                paddedGradientInterior = interior(paddedGradient);
            }
            paddedInterior.assign(image);
            return padded;
        }

        private INDArray interior(INDArray array) {
            return array.get(
                    all(),
                    all(),
                    interval(window.padTop(), window.padTop() + inputShape[1]),
                    interval(window.padLeft(), window.padLeft() + inputShape[2]));
        }

        INDArray output(long batch) {
            return buffers.get("output", batch, outputShape[0], outputShape[1], outputShape[2]);
        }

        /**
         * Runs {@code kernel}'s gradient on the images the forward pass pooled (the bordered copy
         * is still as the forward pass left it) and returns the input's gradient.
         */
        INDArray pooledGradient(String kernel, INDArray input, INDArray outputGradient) {
            INDArray image = images(input, inputShape);
            INDArray source = window.unpadded() ? image : padded;
            INDArray target = window.unpadded() ? buffers.get("inputGradient", image.shape()) : paddedGradient;
            Nd4j.exec(DynamicCustomOp.builder(kernel)
                    .addInputs(source, outputGradient)
                    .addOutputs(target)
                    .addIntegerArguments(arguments())
                    .build());
            if (!window.unpadded()) {
                target = buffers.get("inputGradient", image.shape()).assign(paddedGradientInterior);
            }
            return shaped(target, input.shape());
        }

        private void closePadded() {
            if (padded != null) {
                padded.close();
                paddedGradient.close();
                padded = null;
            }
        }

        @Override
        public void close() {
            buffers.close();
            closePadded();
        }
    }

    /** Max pooling; padded positions are −∞. */
    static final class MaxPool extends Pool {
        MaxPool(int[] inputShape, int[] outputShape, Window window) {
            super(inputShape, outputShape, window, Float.NEGATIVE_INFINITY, 0);
        }

        @Override
        INDArray forward(INDArray input, boolean training) {
            INDArray output = output(input.size(0));
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d")
                    .addInputs(source(input))
                    .addOutputs(output)
                    .addIntegerArguments(arguments())
                    .build());
            return output;
        }

        @Override
        INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            if (!needsInputGradient) {
                return null;
            }
            return pooledGradient("maxpool2d_bp", input, shaped(outputGradient, output.shape()));
        }
    }

    /**
     * Average pooling. The kernel divides by kh·kw over the zero-bordered input; without
     * count_include_pad each output is then scaled by kh·kw over the number of its window's
     * positions inside the input.
     */
    static final class AveragePool extends Pool {
        /** kh·kw / (in-bounds positions) per output position, [outH·outW]; null when every window counts kh·kw. */
        private final INDArray scale;

        AveragePool(int[] inputShape, int[] outputShape, Window window, boolean countIncludePad) {
            super(inputShape, outputShape, window, 0f, 1);
            scale = countIncludePad || window.unpadded()
                    ? null
                    : Nd4j.create(
                            scales(inputShape, outputShape, window),
                            new long[] {1, (long) outputShape[1] * outputShape[2]},
                            'c');
        }

        private static float[] scales(int[] inputShape, int[] outputShape, Window window) {
            float[] scales = new float[outputShape[1] * outputShape[2]];
            for (int row = 0; row < outputShape[1]; row++) {
                int top = row * window.strideHeight() - window.padTop();
                int rows = Math.min(top + window.kernelHeight(), inputShape[1]) - Math.max(top, 0);
                for (int column = 0; column < outputShape[2]; column++) {
                    int left = column * window.strideWidth() - window.padLeft();
                    int columns = Math.min(left + window.kernelWidth(), inputShape[2]) - Math.max(left, 0);
                    scales[row * outputShape[2] + column] =
                            (float) ((double) window.kernelHeight() * window.kernelWidth() / (rows * columns));
                }
            }
            return scales;
        }

        /** [batch·C, outH·outW] view of a pooled array. */
        private INDArray byPosition(INDArray array) {
            return array.reshape('c', new long[] {array.length() / scale.length(), scale.length()});
        }

        @Override
        INDArray forward(INDArray input, boolean training) {
            INDArray output = output(input.size(0));
            Nd4j.exec(DynamicCustomOp.builder("avgpool2d")
                    .addInputs(source(input))
                    .addOutputs(output)
                    .addIntegerArguments(arguments())
                    .build());
            if (scale != null) {
                INDArray positions = byPosition(output);
                Nd4j.exec(new MulOp(positions, scale, positions));
            }
            return output;
        }

        @Override
        INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            if (!needsInputGradient) {
                return null;
            }
            INDArray gradient = shaped(outputGradient, output.shape());
            if (scale != null) {
                INDArray scaled = buffers.get("scaledGradient", output.shape());
                Nd4j.exec(new MulOp(byPosition(gradient), scale, byPosition(scaled)));
                gradient = scaled;
            }
            return pooledGradient("avgpool2d_bp", input, gradient);
        }

        @Override
        public void close() {
            super.close();
            if (scale != null) {
                scale.close();
            }
        }
    }

    /** The mean of each channel, [batch, C, H, W] to [batch, C, 1, 1]. */
    static final class GlobalAveragePool extends NdLayers.Unary {
        private final long channels;
        private final long positions;
        private final Buffers buffers = new Buffers();

        GlobalAveragePool(int[] inputShape) {
            this.channels = inputShape[0];
            this.positions = (long) inputShape[1] * inputShape[2];
        }

        @Override
        INDArray forward(INDArray input, boolean training) {
            long batch = input.size(0);
            INDArray output = buffers.get("output", batch, channels, 1, 1);
            input.reshape('c', new long[] {batch * channels, positions})
                    .mean(output.reshape('c', new long[] {batch * channels}), 1);
            return output;
        }

        @Override
        INDArray backward(INDArray input, INDArray output, INDArray outputGradient, boolean needsInputGradient) {
            if (!needsInputGradient) {
                return null;
            }
            long batch = input.size(0);
            INDArray inputGradient = buffers.get("inputGradient", batch * channels, positions);
            inputGradient.assign(1.0 / positions);
            Nd4j.exec(new MulOp(
                    inputGradient, outputGradient.reshape('c', new long[] {batch * channels, 1}), inputGradient));
            return inputGradient.reshape('c', input.shape());
        }

        @Override
        public void close() {
            buffers.close();
        }
    }
}
