package io.github.lc4j.backend.cpu;

/**
 * The sum or product of two inputs of one shape, or of a {@code [C, H, W]} map and a
 * {@code [C, 1, 1]} per-channel tensor on either side.
 */
final class ElementwiseOp implements Kernel {
    private final boolean product;
    private final int size;
    /** Which input is per-channel (-1: none), and the map's channels and values per channel. */
    private final int broadcastInput;

    private final int channels;
    private final int spatial;

    ElementwiseOp(boolean product, int[] first, int[] second, int[] output) {
        this.product = product;
        int count = 1;
        for (int dimension : output) {
            count *= dimension;
        }
        this.size = count;
        int firstSize = elementCount(first);
        int secondSize = elementCount(second);
        this.broadcastInput = firstSize == secondSize ? -1 : firstSize < secondSize ? 0 : 1;
        this.channels = output[0];
        this.spatial = count / channels;
    }

    private static int elementCount(int[] shape) {
        int count = 1;
        for (int dimension : shape) {
            count *= dimension;
        }
        return count;
    }

    @Override
    public void forward(float[][] inputs, float[] output, int batch, boolean training, Parallel parallel) {
        float[] a = inputs[0];
        float[] b = inputs[1];
        if (broadcastInput < 0) {
            int length = batch * size;
            if (product) {
                for (int i = 0; i < length; i++) {
                    output[i] = a[i] * b[i];
                }
            } else {
                for (int i = 0; i < length; i++) {
                    output[i] = a[i] + b[i];
                }
            }
            return;
        }
        float[] map = broadcastInput == 0 ? b : a;
        float[] perChannel = broadcastInput == 0 ? a : b;
        for (int sample = 0; sample < batch; sample++) {
            for (int c = 0; c < channels; c++) {
                float value = perChannel[sample * channels + c];
                int offset = sample * size + c * spatial;
                for (int i = offset; i < offset + spatial; i++) {
                    output[i] = product ? map[i] * value : map[i] + value;
                }
            }
        }
    }

    @Override
    public void backward(
            float[][] inputs,
            float[] output,
            float[] outputGradient,
            float[][] inputGradients,
            int batch,
            Parallel parallel) {
        if (broadcastInput < 0) {
            int length = batch * size;
            for (int input = 0; input < 2; input++) {
                float[] gradient = inputGradients[input];
                if (gradient == null) {
                    continue;
                }
                float[] other = inputs[1 - input];
                for (int i = 0; i < length; i++) {
                    gradient[i] = product ? outputGradient[i] * other[i] : outputGradient[i];
                }
            }
            return;
        }
        int mapInput = 1 - broadcastInput;
        float[] map = inputs[mapInput];
        float[] perChannel = inputs[broadcastInput];
        float[] mapGradient = inputGradients[mapInput];
        float[] channelGradient = inputGradients[broadcastInput];
        for (int sample = 0; sample < batch; sample++) {
            for (int c = 0; c < channels; c++) {
                float value = perChannel[sample * channels + c];
                int offset = sample * size + c * spatial;
                float sum = 0f;
                for (int i = offset; i < offset + spatial; i++) {
                    float dy = outputGradient[i];
                    if (mapGradient != null) {
                        mapGradient[i] = product ? dy * value : dy;
                    }
                    sum += product ? dy * map[i] : dy;
                }
                if (channelGradient != null) {
                    channelGradient[sample * channels + c] = sum;
                }
            }
        }
    }
}
