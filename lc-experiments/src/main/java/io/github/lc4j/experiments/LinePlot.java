package io.github.lc4j.experiments;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** A PNG line plot in the report's style, for pages other than the grid's (the performance page). */
public final class LinePlot {
    private LinePlot() {}

    /**
     * Writes {@code directory/plots/file}: one line with markers per series, each given as
     * {x values, y values}; both axes logarithmic when {@code logarithmic}. Returns the file name.
     */
    public static String write(
            Path directory,
            String file,
            String title,
            String xTitle,
            String yTitle,
            Map<String, double[][]> series,
            boolean logarithmic) {
        System.setProperty("java.awt.headless", "true");
        try {
            Files.createDirectories(directory.resolve("plots"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory.resolve("plots"), e);
        }
        XYChart chart = Plots.chart(title, xTitle, yTitle);
        chart.getStyler().setXAxisLogarithmic(logarithmic);
        chart.getStyler().setYAxisLogarithmic(logarithmic);
        series.forEach((name, points) -> {
            XYSeries line = chart.addSeries(name, points[0], points[1]);
            line.setMarker(SeriesMarkers.CIRCLE);
        });
        return Plots.save(directory, chart, title, file).file();
    }
}
