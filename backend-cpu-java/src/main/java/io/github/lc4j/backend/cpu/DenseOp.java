package io.github.lc4j.backend.cpu;

/**
 * y = x·W + b with W of shape [inputs, outputs]. Buffers are kept across calls and grow with the
 * batch; the loop bodies are built once and read the call's arrays from fields, so a step
 * allocates nothing.
 */
final class DenseOp extends Op {
    private static final int ROW_CHUNK = 16;

    private final Parameter weight;
    private final Parameter bias;
    private final Parallel.RangeBody forwardRows = this::forwardRows;
    private final Parallel.RangeBody transposeInput = this::transposeInput;
    private final Parallel.RangeBody weightGradientRows = this::weightGradientRows;
    private final Parallel.RangeBody inputGradientRows = this::inputGradientRows;
    private float[][] weightRows;
    private float[][] transposedWeightRows;
    private float[] weightTransposed;
    private float[] inputTransposed = new float[0];
    private float[][] gradientRows;
    private int batch;

    DenseOp(int inputs, int outputs, Parameter weight, Parameter bias) {
        super(inputs, outputs);
        this.weight = weight;
        this.bias = bias;
    }

    @Override
    void forward(float[] input, float[] output, int batch, Parallel parallel) {
        weightRows = Gemm.rows(weightRows, weight.value, 0, inputSize, outputSize);
        bind(input, output);
        parallel.forChunks(batch, ROW_CHUNK, forwardRows);
        unbind();
    }

    private void forwardRows(int from, int to) {
        Gemm.multiplyRows(input, 0, weightRows, output, 0, from, to, inputSize, outputSize, false);
        for (int row = from; row < to; row++) {
            Gemm.axpy(1f, bias.value, 0, output, row * outputSize, outputSize);
        }
    }

    @Override
    void backward(
            float[] input,
            float[] output,
            float[] outputGradient,
            float[] inputGradient,
            int batch,
            Parallel parallel) {
        if (inputTransposed.length < inputSize * batch) {
            inputTransposed = new float[inputSize * batch];
        }
        gradientRows = Gemm.rows(gradientRows, outputGradient, 0, batch, outputSize);
        this.batch = batch;
        bind(input, output, outputGradient, inputGradient);
        parallel.forChunks(inputSize, ROW_CHUNK * 4, transposeInput);
        parallel.forChunks(inputSize, ROW_CHUNK, weightGradientRows);
        float[] biasGradient = bias.gradient;
        java.util.Arrays.fill(biasGradient, 0f);
        for (int row = 0; row < batch; row++) {
            Gemm.axpy(1f, outputGradient, row * outputSize, biasGradient, 0, outputSize);
        }
        if (inputGradient != null) {
            if (weightTransposed == null) {
                weightTransposed = new float[outputSize * inputSize];
            }
            Gemm.transpose(weight.value, 0, inputSize, outputSize, weightTransposed, 0);
            transposedWeightRows = Gemm.rows(transposedWeightRows, weightTransposed, 0, outputSize, inputSize);
            parallel.forChunks(batch, ROW_CHUNK, inputGradientRows);
        }
        unbind();
    }

    private void transposeInput(int from, int to) {
        Gemm.transposeColumns(input, batch, inputSize, inputTransposed, from, to);
    }

    private void weightGradientRows(int from, int to) {
        Gemm.multiplyRows(inputTransposed, 0, gradientRows, weight.gradient, 0, from, to, batch, outputSize, false);
    }

    private void inputGradientRows(int from, int to) {
        Gemm.multiplyRows(
                outputGradient, 0, transposedWeightRows, inputGradient, 0, from, to, outputSize, inputSize, false);
    }
}
