package io.github.lc4j.backend.nd4j;

import static io.github.lc4j.backend.nd4j.NdLayers.shaped;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The nodes that join branches: element-wise sum and product (equal shapes, or a [C, H, W] map
 * with a [C, 1, 1] tensor on either side, broadcast over H and W by libnd4j's NumPy-style
 * broadcasting of pairwise operations, about ten times faster than its {@code Broadcast*Op}s) and
 * channel concatenation. Each writes a fresh output; none works in place.
 */
final class NdJoins {
    private NdJoins() {}

    /** Sum or product of two inputs. */
    abstract static class Binary implements NdLayers.NdLayer {
        /** −1 for equal shapes, else the index (0 or 1) of the [C, 1, 1] input. */
        final int small;

        final long channels;
        /** Values per channel of the large input: H·W. */
        final long positions;

        final long size;
        final Buffers buffers = new Buffers();
        final INDArray[] gradients = new INDArray[2];

        Binary(List<int[]> inputShapes, int[] outputShape) {
            int[] first = inputShapes.get(0);
            int[] second = inputShapes.get(1);
            small = Arrays.equals(first, second) ? -1 : (first[1] == 1 && first[2] == 1 ? 0 : 1);
            size = count(outputShape);
            channels = outputShape[0];
            positions = size / channels;
        }

        private static long count(int[] shape) {
            long count = 1;
            for (int dimension : shape) {
                count *= dimension;
            }
            return count;
        }

        /** The large input as [batch·C, H·W]. */
        INDArray byChannel(INDArray array) {
            return array.reshape('c', new long[] {array.length() / positions, positions});
        }

        /** The small input as the column [batch·C, 1], broadcast over H·W by libnd4j's pairwise operations. */
        INDArray perChannel(INDArray array) {
            return array.reshape('c', new long[] {array.length(), 1});
        }

        INDArray output(long batch) {
            return buffers.get("output", batch, size);
        }

        @Override
        public void close() {
            buffers.close();
        }
    }

    /** a + b. */
    static final class Add extends Binary {
        Add(List<int[]> inputShapes, int[] outputShape) {
            super(inputShapes, outputShape);
        }

        @Override
        public INDArray forward(INDArray[] inputs, boolean training) {
            INDArray output = output(inputs[0].size(0));
            if (small < 0) {
                Nd4j.exec(new AddOp(shaped(inputs[0], output.shape()), shaped(inputs[1], output.shape()), output));
            } else {
                Nd4j.exec(new AddOp(byChannel(inputs[1 - small]), perChannel(inputs[small]), byChannel(output)));
            }
            return output;
        }

        /** ∂a = ∂b = ∂y, summed over H·W for a [C, 1, 1] input. */
        @Override
        public INDArray[] backward(
                INDArray[] inputs, INDArray output, INDArray outputGradient, boolean[] needsInputGradient) {
            for (int i = 0; i < 2; i++) {
                if (!needsInputGradient[i]) {
                    gradients[i] = null;
                } else if (i == small) {
                    INDArray sums = buffers.get("smallGradient", output.size(0), channels);
                    byChannel(outputGradient).sum(sums.reshape('c', new long[] {sums.length()}), 1);
                    gradients[i] = sums;
                } else {
                    gradients[i] = outputGradient;
                }
            }
            return gradients;
        }
    }

    /** a · b. */
    static final class Mul extends Binary {
        Mul(List<int[]> inputShapes, int[] outputShape) {
            super(inputShapes, outputShape);
        }

        @Override
        public INDArray forward(INDArray[] inputs, boolean training) {
            INDArray output = output(inputs[0].size(0));
            if (small < 0) {
                Nd4j.exec(new MulOp(shaped(inputs[0], output.shape()), shaped(inputs[1], output.shape()), output));
            } else {
                Nd4j.exec(new MulOp(byChannel(inputs[1 - small]), perChannel(inputs[small]), byChannel(output)));
            }
            return output;
        }

        /** ∂a = ∂y·b and ∂b = ∂y·a, the [C, 1, 1] side's summed over H·W. */
        @Override
        public INDArray[] backward(
                INDArray[] inputs, INDArray output, INDArray outputGradient, boolean[] needsInputGradient) {
            long batch = output.size(0);
            INDArray gradient = shaped(outputGradient, output.shape());
            for (int i = 0; i < 2; i++) {
                if (!needsInputGradient[i]) {
                    gradients[i] = null;
                    continue;
                }
                INDArray other = inputs[1 - i];
                if (small < 0) {
                    INDArray result = buffers.get("gradient" + i, batch, size);
                    Nd4j.exec(new MulOp(gradient, shaped(other, output.shape()), result));
                    gradients[i] = result;
                } else if (i == small) {
                    INDArray products = buffers.get("products", batch, size);
                    Nd4j.exec(new MulOp(gradient, shaped(other, output.shape()), products));
                    INDArray sums = buffers.get("gradient" + i, batch, channels);
                    byChannel(products).sum(sums.reshape('c', new long[] {sums.length()}), 1);
                    gradients[i] = sums;
                } else {
                    INDArray result = buffers.get("gradient" + i, batch, size);
                    Nd4j.exec(new MulOp(byChannel(gradient), perChannel(other), byChannel(result)));
                    gradients[i] = result;
                }
            }
            return gradients;
        }
    }

    /** Concatenation on the channel axis: per sample, the inputs' values one after the other. */
    static final class Concat implements NdLayers.NdLayer {
        /** Values per sample of each input, and where each starts in the output's sample. */
        private final long[] sizes;

        private final long[] offsets;
        private final long total;
        private final Buffers buffers = new Buffers();
        private final INDArray[] gradients;
        /** The output's column blocks, one per input, for the current batch size. */
        private INDArray[] blocks;

        private INDArray blocksOf;

        Concat(List<int[]> inputShapes) {
            sizes = new long[inputShapes.size()];
            offsets = new long[inputShapes.size()];
            long offset = 0;
            for (int i = 0; i < sizes.length; i++) {
                long count = 1;
                for (int dimension : inputShapes.get(i)) {
                    count *= dimension;
                }
                sizes[i] = count;
                offsets[i] = offset;
                offset += count;
            }
            total = offset;
            gradients = new INDArray[sizes.length];
        }

        private INDArray[] blocks(INDArray matrix) {
            if (matrix != blocksOf) {
                blocks = new INDArray[sizes.length];
                for (int i = 0; i < sizes.length; i++) {
                    blocks[i] = matrix.get(all(), interval(offsets[i], offsets[i] + sizes[i]));
                }
                blocksOf = matrix;
            }
            return blocks;
        }

        @Override
        public INDArray forward(INDArray[] inputs, boolean training) {
            long batch = inputs[0].size(0);
            INDArray output = buffers.get("output", batch, total);
            INDArray[] targets = blocks(output);
            for (int i = 0; i < sizes.length; i++) {
                targets[i].assign(shaped(inputs[i], batch, sizes[i]));
            }
            return output;
        }

        @Override
        public INDArray[] backward(
                INDArray[] inputs, INDArray output, INDArray outputGradient, boolean[] needsInputGradient) {
            long batch = output.size(0);
            INDArray gradient = shaped(outputGradient, batch, total);
            for (int i = 0; i < sizes.length; i++) {
                if (!needsInputGradient[i]) {
                    gradients[i] = null;
                    continue;
                }
                INDArray result = buffers.get("gradient" + i, batch, sizes[i]);
                result.assign(gradient.get(all(), interval(offsets[i], offsets[i] + sizes[i])));
                gradients[i] = result;
            }
            return gradients;
        }

        @Override
        public void close() {
            buffers.close();
        }
    }
}
