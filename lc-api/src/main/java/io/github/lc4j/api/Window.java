package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;

/**
 * The sliding window of a convolution or pooling over {@code [C, H, W]} feature maps: kernel,
 * stride, zero padding per side and dilation, each given for height and width (ONNX's
 * {@code kernel_shape}, {@code strides}, {@code pads} and {@code dilations}).
 *
 * @param kernelHeight   window rows
 * @param kernelWidth    window columns
 * @param strideHeight   rows between windows
 * @param strideWidth    columns between windows
 * @param padTop         zero rows added above
 * @param padLeft        zero columns added on the left
 * @param padBottom      zero rows added below
 * @param padRight       zero columns added on the right
 * @param dilationHeight rows between kernel taps (1: adjacent)
 * @param dilationWidth  columns between kernel taps (1: adjacent)
 */
public record Window(
        int kernelHeight,
        int kernelWidth,
        int strideHeight,
        int strideWidth,
        int padTop,
        int padLeft,
        int padBottom,
        int padRight,
        int dilationHeight,
        int dilationWidth)
        implements java.io.Serializable {

    /** Checks that every size is positive and every padding non-negative. */
    public Window {
        checkArgument(
                kernelHeight > 0 && kernelWidth > 0, "window kernel must be > 0, got %dx%d", kernelHeight, kernelWidth);
        checkArgument(
                strideHeight > 0 && strideWidth > 0, "window stride must be > 0, got %dx%d", strideHeight, strideWidth);
        checkArgument(
                padTop >= 0 && padLeft >= 0 && padBottom >= 0 && padRight >= 0,
                "window padding must be >= 0, got top %d left %d bottom %d right %d",
                padTop,
                padLeft,
                padBottom,
                padRight);
        checkArgument(
                dilationHeight > 0 && dilationWidth > 0,
                "window dilation must be > 0, got %dx%d",
                dilationHeight,
                dilationWidth);
    }

    /** Returns a square window with the same padding on every side and no dilation. */
    public static Window square(int kernel, int stride, int padding) {
        return new Window(kernel, kernel, stride, stride, padding, padding, padding, padding, 1, 1);
    }

    /** Returns the rows of the output for {@code height} input rows. */
    public int outputHeight(int height) {
        return outputSize(height, kernelHeight, strideHeight, padTop + padBottom, dilationHeight, "height");
    }

    /** Returns the columns of the output for {@code width} input columns. */
    public int outputWidth(int width) {
        return outputSize(width, kernelWidth, strideWidth, padLeft + padRight, dilationWidth, "width");
    }

    /** Whether every padding is zero. */
    public boolean unpadded() {
        return padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0;
    }

    private int outputSize(int input, int kernel, int stride, int padding, int dilation, String axis) {
        int span = input + padding - (dilation * (kernel - 1) + 1);
        checkArgument(
                span >= 0,
                "window %s: kernel %d (dilation %d) does not fit input %s %d with padding %d",
                this,
                kernel,
                dilation,
                axis,
                input,
                padding);
        return span / stride + 1;
    }

    @Override
    public String toString() {
        return kernelHeight + "x" + kernelWidth + " stride " + strideHeight + "x" + strideWidth + " pads ["
                + padTop + "," + padLeft + "," + padBottom + "," + padRight + "] dilation " + dilationHeight + "x"
                + dilationWidth;
    }
}
