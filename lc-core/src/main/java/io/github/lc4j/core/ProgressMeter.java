package io.github.lc4j.core;

import io.github.lc4j.api.LcListener;

/** Sends progress events at most every {@code period} batches, with the mean loss since the last one. */
final class ProgressMeter {
    private final LcListener listener;
    private final String phase;
    private final long total;
    private final long period;
    private long done;
    private double lossSum;
    private long lossCount;
    private double phaseLossSum;

    ProgressMeter(LcListener listener, String phase, long total) {
        this.listener = listener;
        this.phase = phase;
        this.total = total;
        this.period = Math.max(1, total / 100);
    }

    void add(double loss) {
        done++;
        lossSum += loss;
        lossCount++;
        phaseLossSum += loss;
        if (done % period == 0 || done == total) {
            listener.onProgress(phase, done, total, lossSum / lossCount);
            lossSum = 0;
            lossCount = 0;
        }
    }

    /** Continues a phase that a checkpoint stopped after {@code done} batches with loss sum {@code lossSum}. */
    void resume(long done, double lossSum) {
        this.done = done;
        this.phaseLossSum = lossSum;
    }

    long done() {
        return done;
    }

    double lossSum() {
        return phaseLossSum;
    }

    double meanLoss() {
        return done == 0 ? Double.NaN : phaseLossSum / done;
    }
}
