package io.github.lc4j.cli;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.LcListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows progress on stderr: a bar redrawn in place when stderr is a terminal, and one line per
 * finished epoch or LC iteration in any case.
 */
final class ConsoleProgress implements LcListener {
    private static final int BAR_WIDTH = 30;

    private final PrintWriter err;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private boolean barShown;

    ConsoleProgress(PrintWriter err, boolean interactive) {
        this.err = err;
        this.interactive = interactive;
    }

    @Override
    public void onProgress(String phase, long done, long total, double recentLoss) {
        if (!interactive) {
            return;
        }
        int filled = (int) (BAR_WIDTH * done / Math.max(1, total));
        err.printf(
                Locale.ROOT,
                "\r  %-22s [%s%s] %3d%%  loss %.4f  %s",
                phase,
                "#".repeat(filled),
                "-".repeat(BAR_WIDTH - filled),
                100 * done / Math.max(1, total),
                recentLoss,
                elapsed());
        err.flush();
        barShown = true;
    }

    @Override
    public void onEpochEnd(int epoch, int epochs, double trainLoss, Evaluation test) {
        clearBar();
        err.printf(
                Locale.ROOT,
                "  epoch %d/%d  train loss %.4f  test error %5.2f%%  %s%n",
                epoch,
                epochs,
                trainLoss,
                100 * test.errorRate(),
                elapsed());
    }

    @Override
    public void onIterationEnd(IterationRecord record, int iterations) {
        clearBar();
        if (record.iteration() == 0) {
            err.printf(
                    Locale.ROOT,
                    "  DC        quantized train error %s  test error %5.2f%%  %s%n",
                    percent(record.train()),
                    100 * record.test().errorRate(),
                    elapsed());
        } else {
            err.printf(
                    Locale.ROOT,
                    "  iteration %2d/%d  μ=%.3g  step loss %.4f  ‖w−Δ(Θ)‖=%.3g  quantized train error %s"
                            + "  test error %5.2f%%  %s%n",
                    record.iteration(),
                    iterations,
                    record.mu(),
                    record.lStepLoss(),
                    record.constraintViolation(),
                    percent(record.train()),
                    100 * record.test().errorRate(),
                    elapsed());
        }
        if (!record.choices().isEmpty()) {
            err.printf(
                    Locale.ROOT,
                    "            chosen: %s (ρ %.1f)%n",
                    LcJob.describeChoices(record.choices()),
                    record.compressionRatio());
        }
    }

    @Override
    public void onNotice(String message) {
        clearBar();
        err.println("  " + message);
        err.flush();
    }

    private static String percent(Evaluation evaluation) {
        return evaluation.count() == 0 ? "  n/a " : String.format(Locale.ROOT, "%5.2f%%", 100 * evaluation.errorRate());
    }

    private void clearBar() {
        if (barShown) {
            err.print("\r" + " ".repeat(BAR_WIDTH + 70) + "\r");
            barShown = false;
        }
    }

    private String elapsed() {
        return String.format(Locale.ROOT, "[%.0f s]", (System.nanoTime() - start) / 1e9);
    }
}
