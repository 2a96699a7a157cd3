package io.github.lc4j.backend.cpu;

import io.github.lc4j.api.Window;

/**
 * Where each output position of a pooling window reads, computed once per op: the input rows
 * [rowFrom, rowTo) and columns [columnFrom, columnTo) inside the map (padding excluded), and the
 * number of positions the window covers in the padded map.
 */
final class PoolWindows {
    final int[] rowFrom;
    final int[] rowTo;
    final int[] columnFrom;
    final int[] columnTo;
    /** Per output position (row-major): the window's positions in the padded map (ONNX's count_include_pad divisor). */
    final int[] paddedCount;

    PoolWindows(Window window, int height, int width, int outHeight, int outWidth) {
        rowFrom = new int[outHeight];
        rowTo = new int[outHeight];
        columnFrom = new int[outWidth];
        columnTo = new int[outWidth];
        int[] paddedRows = new int[outHeight];
        int[] paddedColumns = new int[outWidth];
        for (int oy = 0; oy < outHeight; oy++) {
            int y0 = oy * window.strideHeight() - window.padTop();
            rowFrom[oy] = Math.max(0, y0);
            rowTo[oy] = Math.min(height, y0 + window.kernelHeight());
            paddedRows[oy] = Math.min(height + window.padBottom(), y0 + window.kernelHeight()) - y0;
        }
        for (int ox = 0; ox < outWidth; ox++) {
            int x0 = ox * window.strideWidth() - window.padLeft();
            columnFrom[ox] = Math.max(0, x0);
            columnTo[ox] = Math.min(width, x0 + window.kernelWidth());
            paddedColumns[ox] = Math.min(width + window.padRight(), x0 + window.kernelWidth()) - x0;
        }
        paddedCount = new int[outHeight * outWidth];
        for (int oy = 0; oy < outHeight; oy++) {
            for (int ox = 0; ox < outWidth; ox++) {
                paddedCount[oy * outWidth + ox] = paddedRows[oy] * paddedColumns[ox];
            }
        }
    }

    /** The number of input positions (padding excluded) of output position (oy, ox). */
    int inputCount(int oy, int ox) {
        return (rowTo[oy] - rowFrom[oy]) * (columnTo[ox] - columnFrom[ox]);
    }
}
