package io.github.lc4j.backend.cpu;

/** y = x·W + b with W of shape [inputs, outputs]. */
final class DenseOp extends Op {
    private static final int ROW_CHUNK = 16;

    private final Parameter weight;
    private final Parameter bias;

    DenseOp(int inputs, int outputs, Parameter weight, Parameter bias) {
        super(inputs, outputs);
        this.weight = weight;
        this.bias = bias;
    }

    @Override
    void forward(float[] input, float[] output, int batch, Parallel parallel) {
        float[][] w = Gemm.rows(weight.value, 0, inputSize, outputSize);
        float[] b = bias.value;
        parallel.forChunks(batch, ROW_CHUNK, (from, to) -> {
            Gemm.multiplyRows(input, 0, w, output, 0, from, to, inputSize, outputSize, false);
            for (int row = from; row < to; row++) {
                Gemm.axpy(1f, b, 0, output, row * outputSize, outputSize);
            }
        });
    }

    @Override
    void backward(
            float[] input,
            float[] output,
            float[] outputGradient,
            float[] inputGradient,
            int batch,
            Parallel parallel) {
        float[] inputTransposed = new float[inputSize * batch];
        Gemm.transpose(input, 0, batch, inputSize, inputTransposed, 0);
        float[] weightGradient = weight.gradient;
        float[][] gradientRows = Gemm.rows(outputGradient, 0, batch, outputSize);
        parallel.forChunks(
                inputSize,
                ROW_CHUNK,
                (from, to) -> Gemm.multiplyRows(
                        inputTransposed, 0, gradientRows, weightGradient, 0, from, to, batch, outputSize, false));
        float[] biasGradient = bias.gradient;
        java.util.Arrays.fill(biasGradient, 0f);
        for (int row = 0; row < batch; row++) {
            Gemm.axpy(1f, outputGradient, row * outputSize, biasGradient, 0, outputSize);
        }
        if (inputGradient != null) {
            float[] weightTransposed = new float[outputSize * inputSize];
            Gemm.transpose(weight.value, 0, inputSize, outputSize, weightTransposed, 0);
            float[][] transposedRows = Gemm.rows(weightTransposed, 0, outputSize, inputSize);
            parallel.forChunks(
                    batch,
                    ROW_CHUNK,
                    (from, to) -> Gemm.multiplyRows(
                            outputGradient,
                            0,
                            transposedRows,
                            inputGradient,
                            0,
                            from,
                            to,
                            outputSize,
                            inputSize,
                            false));
        }
    }
}
