package io.github.lc4j.cli;

import io.github.lc4j.api.Evaluation;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The final summary: one row per net (reference, DC, LC …). */
final class ResultTable {
    private record Row(String method, String bits, double ratio, Evaluation train, Evaluation test, double seconds) {}

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void add(String method, String bits, double ratio, Evaluation train, Evaluation test, double seconds) {
        rows.add(new Row(method, bits, ratio, train, test, seconds));
    }

    /** Adds a line printed under the rows. */
    void note(String line) {
        notes.add(line);
    }

    void print(PrintWriter out) {
        String format = "%-22s %12s %8s %12s %11s %9s%n";
        out.printf(Locale.ROOT, format, "net", "bits/weight", "ρ", "train error", "test error", "time");
        for (Row row : rows) {
            out.printf(
                    Locale.ROOT,
                    format,
                    row.method,
                    row.bits,
                    String.format(Locale.ROOT, "%.1f", row.ratio),
                    percent(row.train),
                    percent(row.test),
                    String.format(Locale.ROOT, "%.0f s", row.seconds));
        }
        notes.forEach(out::println);
        out.flush();
    }

    private static String percent(Evaluation evaluation) {
        return evaluation == null || evaluation.count() == 0
                ? "-"
                : String.format(Locale.ROOT, "%.2f%%", 100 * evaluation.errorRate());
    }
}
