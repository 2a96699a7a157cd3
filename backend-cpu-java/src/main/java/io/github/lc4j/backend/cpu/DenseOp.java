package io.github.lc4j.backend.cpu;

/**
 * y = x·W (+ b) with W of shape [inputs, outputs]; the bias is null when the node has none. Buffers are kept across calls and grow with the
 * batch; the loop bodies are built once and read the call's arrays from fields, so a step
 * allocates nothing.
 */
final class DenseOp extends Op {
    private static final int TRANSPOSE_CHUNK = 64;
    /** The most rows of C per task: each task streams all of B once, so fewer, larger tasks read B less. */
    private static final int MOST_ROWS_PER_TASK = 64;
    /** The fewest rows of C per task, a multiple of the GEMM's four-row block. */
    private static final int FEWEST_ROWS_PER_TASK = 16;

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
        parallel.forChunks(batch, rowsPerTask(batch), forwardRows);
        unbind();
    }

    private void forwardRows(int from, int to) {
        Gemm.multiplyRows(input, 0, weightRows, output, 0, from, to, inputSize, outputSize, false);
        if (bias == null) {
            return;
        }
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
        parallel.forChunks(inputSize, TRANSPOSE_CHUNK, transposeInput);
        parallel.forChunks(inputSize, rowsPerTask(inputSize), weightGradientRows);
        if (bias != null) {
            float[] biasGradient = bias.gradient;
            java.util.Arrays.fill(biasGradient, 0f);
            for (int row = 0; row < batch; row++) {
                Gemm.axpy(1f, outputGradient, row * outputSize, biasGradient, 0, outputSize);
            }
        }
        if (inputGradient != null) {
            if (weightTransposed == null) {
                weightTransposed = new float[outputSize * inputSize];
            }
            Gemm.transpose(weight.value, 0, inputSize, outputSize, weightTransposed, 0);
            transposedWeightRows = Gemm.rows(transposedWeightRows, weightTransposed, 0, outputSize, inputSize);
            parallel.forChunks(batch, rowsPerTask(batch), inputGradientRows);
        }
        unbind();
    }

    /**
     * Rows of C per task for a product of {@code rows} rows: a quarter of them (at least four tasks
     * for the threads to share), a multiple of four, between the fewest and the most. The four-row
     * blocks start at the same rows whatever the split, so the numbers do not depend on it.
     */
    static int rowsPerTask(int rows) {
        return Math.max(FEWEST_ROWS_PER_TASK, Math.min(MOST_ROWS_PER_TASK, (rows / 4) & ~3));
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
