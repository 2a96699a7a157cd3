package io.github.lc4j.backend.cpu;

/** An element-wise activation; backward reads the stored input or output. */
final class ActivationOp extends Op {
    private static final int CHUNK = 8192;

    /** The element-wise functions. */
    enum Function {
        RELU,
        TANH,
        SIGMOID,
        CLIP,
        HARD_SWISH
    }

    private final Function function;
    /** The bounds of {@link Function#CLIP}. */
    private final float min;

    private final float max;
    private final Parallel.RangeBody forwardRange = this::forwardRange;
    private final Parallel.RangeBody backwardRange = this::backwardRange;

    ActivationOp(int size, Function function) {
        this(size, function, 0f, 0f);
    }

    /** A clip to [min, max]. */
    ActivationOp(int size, float min, float max) {
        this(size, Function.CLIP, min, max);
    }

    private ActivationOp(int size, Function function, float min, float max) {
        super(size, size);
        this.function = function;
        this.min = min;
        this.max = max;
    }

    @Override
    void forward(float[] input, float[] output, int batch, Parallel parallel) {
        bind(input, output);
        parallel.forChunks(batch * inputSize, CHUNK, forwardRange);
        unbind();
    }

    private void forwardRange(int from, int to) {
        switch (function) {
            case TANH -> {
                for (int i = from; i < to; i++) {
                    output[i] = tanh(input[i]);
                }
            }
            case RELU -> {
                for (int i = from; i < to; i++) {
                    output[i] = Math.max(0f, input[i]);
                }
            }
            case SIGMOID -> {
                for (int i = from; i < to; i++) {
                    output[i] = (float) (1 / (1 + Math.exp(-(double) input[i])));
                }
            }
            case CLIP -> {
                for (int i = from; i < to; i++) {
                    output[i] = Math.min(max, Math.max(min, input[i]));
                }
            }
            case HARD_SWISH -> {
                for (int i = from; i < to; i++) {
                    float x = input[i];
                    output[i] = x * Math.min(6f, Math.max(0f, x + 3f)) / 6f;
                }
            }
        }
    }

    /** Above this |x|, tanh(x) rounds to ±1 in float (1 − tanh(9.1) is below half a float ulp of 1). */
    private static final double SATURATED = 20;

    /** Below this |x|, the series x − x³/3 + 2x⁵/15 is exact to double precision. */
    private static final double SMALL = 1e-4;

    /**
     * tanh in float through {@code Math.exp}, which C2 compiles to a stub, unlike {@code Math.tanh}
     * (fdlibm, about 40 ns a value: 4 ms of LeNet300's 10 ms single-thread step went to it). The
     * double result is within a few double ulps of tanh(x), so its float rounding is Math.tanh's
     * float rounding but in the rare case where tanh(x) lies that close to a float rounding boundary.
     */
    static float tanh(float x) {
        double value = x;
        double magnitude = Math.abs(value);
        if (magnitude < SMALL) {
            double square = value * value;
            return (float) (value * (1 - square / 3 * (1 - square * 0.4)));
        }
        if (!(magnitude < SATURATED)) {
            return Float.isNaN(x) ? x : Math.copySign(1f, x);
        }
        double exponential = Math.exp(2 * magnitude);
        return (float) Math.copySign((exponential - 1) / (exponential + 1), value);
    }

    @Override
    void backward(
            float[] input,
            float[] output,
            float[] outputGradient,
            float[] inputGradient,
            int batch,
            Parallel parallel) {
        if (inputGradient == null) {
            return;
        }
        bind(input, output, outputGradient, inputGradient);
        parallel.forChunks(batch * inputSize, CHUNK, backwardRange);
        unbind();
    }

    private void backwardRange(int from, int to) {
        switch (function) {
            case TANH -> {
                for (int i = from; i < to; i++) {
                    float y = output[i];
                    inputGradient[i] = outputGradient[i] * (1f - y * y);
                }
            }
            case RELU -> {
                for (int i = from; i < to; i++) {
                    inputGradient[i] = input[i] > 0f ? outputGradient[i] : 0f;
                }
            }
            case SIGMOID -> {
                for (int i = from; i < to; i++) {
                    float y = output[i];
                    inputGradient[i] = outputGradient[i] * y * (1f - y);
                }
            }
            case CLIP -> {
                for (int i = from; i < to; i++) {
                    float x = input[i];
                    inputGradient[i] = x > min && x < max ? outputGradient[i] : 0f;
                }
            }
            case HARD_SWISH -> {
                for (int i = from; i < to; i++) {
                    float x = input[i];
                    float slope = x <= -3f ? 0f : x >= 3f ? 1f : (2f * x + 3f) / 6f;
                    inputGradient[i] = outputGradient[i] * slope;
                }
            }
        }
    }
}
