package io.github.lc4j.experiments;

import io.github.lc4j.core.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's plots, as PNG through XChart (headless AWT): test error against ρ per method;
 * the quantized net's training loss per iteration for LC, LC-qp, iDC and STE; one layer's
 * continuous weights with the codebook, for DC and for LC.
 */
final class Plots {
    private Plots() {}

    /** A plot written: its title and file name in {@code plots/}. */
    record Written(String title, String file) {}

    static List<Written> write(
            Path output, GridSpec.Model model, List<String> methods, Map<ExperimentRunner.Cell, CellResult> done) {
        System.setProperty("java.awt.headless", "true");
        List<CellResult> cells = done.entrySet().stream()
                .filter(e ->
                        e.getKey().model().equals(model.name()) && e.getKey().codebook() != null)
                .filter(e -> e.getKey().seed() == firstSeed(done, model))
                .map(Map.Entry::getValue)
                .toList();
        List<Written> written = new ArrayList<>();
        if (cells.isEmpty()) {
            return written;
        }
        written.add(errorAgainstRho(output, model, methods, cells));
        String firstCodebook = GridSpec.specOf(model.codebooks().get(0));
        String firstGranularity = GridSpec.granularityOf(model.codebooks().get(0));
        List<CellResult> firstCells = cells.stream()
                .filter(c ->
                        c.codebook().equals(firstCodebook) && c.granularity().equals(firstGranularity))
                .toList();
        if (firstCells.stream().anyMatch(c -> c.iterations().size() > 1)) {
            written.add(lossPerIteration(output, model, firstCodebook, firstCells));
        }
        for (String method : List.of("dc", "lc")) {
            firstCells.stream()
                    .filter(c -> c.method().equals(method) && c.histogram() != null)
                    .findFirst()
                    .ifPresent(cell -> written.add(histogram(output, model, cell)));
        }
        return written;
    }

    private static long firstSeed(Map<ExperimentRunner.Cell, CellResult> done, GridSpec.Model model) {
        return done.keySet().stream()
                .filter(cell -> cell.model().equals(model.name()))
                .mapToLong(ExperimentRunner.Cell::seed)
                .min()
                .orElse(0);
    }

    private static Written errorAgainstRho(
            Path output, GridSpec.Model model, List<String> methods, List<CellResult> cells) {
        String title = model.name() + ": test error against compression ratio";
        XYChart chart = chart(title, "ρ (log scale)", "test error, %");
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        for (String method : methods) {
            List<CellResult> ofMethod = cells.stream()
                    .filter(c -> c.method().equals(method))
                    .sorted(Comparator.comparingDouble(CellResult::rho))
                    .toList();
            if (!ofMethod.isEmpty()) {
                chart.addSeries(
                        ResultsReport.label(method),
                        ofMethod.stream().map(CellResult::rho).toList(),
                        ofMethod.stream().map(c -> 100 * c.testError()).toList());
            }
        }
        return save(output, chart, title, model.name() + "-error-vs-rho.png");
    }

    private static Written lossPerIteration(
            Path output, GridSpec.Model model, String codebook, List<CellResult> cells) {
        String title = model.name() + ", " + codebook + ": training loss of the quantized net per iteration";
        // linear: XChart labels no tick on a log axis spanning less than a decade
        XYChart chart = chart(title, "iteration (0 = direct compression)", "training loss");
        for (CellResult cell : cells) {
            if (cell.iterations().size() > 1) {
                XYSeries series = chart.addSeries(
                        ResultsReport.label(cell.method()),
                        cell.iterations().stream()
                                .map(i -> (double) i.iteration())
                                .toList(),
                        cell.iterations().stream()
                                .map(CellResult.Iteration::trainLoss)
                                .toList());
                series.setMarker(SeriesMarkers.CIRCLE);
            }
        }
        return save(output, chart, title, model.name() + "-loss-per-iteration.png");
    }

    private static Written histogram(Path output, GridSpec.Model model, CellResult cell) {
        CellResult.Histogram histogram = cell.histogram();
        String method = ResultsReport.label(cell.method());
        String title = model.name() + ", " + histogram.parameter() + ", " + cell.codebook() + ": "
                + (cell.method().equals("dc") ? "reference weights and DC's codebook" : "LC's weights and codebook");
        XYChart chart = chart(title, "weight", "count");
        int bins = histogram.counts().length;
        double width = (histogram.high() - histogram.low()) / bins;
        List<Double> centers = new ArrayList<>();
        List<Double> counts = new ArrayList<>();
        int highest = 1;
        for (int b = 0; b < bins; b++) {
            centers.add(histogram.low() + (b + 0.5) * width);
            counts.add((double) histogram.counts()[b]);
            highest = Math.max(highest, histogram.counts()[b]);
        }
        XYSeries weights = chart.addSeries("weights", centers, counts);
        weights.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
        weights.setMarker(SeriesMarkers.NONE);
        List<Double> values = new ArrayList<>();
        List<Double> heights = new ArrayList<>();
        for (float value : histogram.codebook()) {
            values.add((double) value);
            heights.add((double) highest);
        }
        XYSeries codebook = chart.addSeries(method + " codebook", values, heights);
        codebook.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        codebook.setMarker(SeriesMarkers.DIAMOND);
        return save(output, chart, title, model.name() + "-histogram-" + cell.method() + ".png");
    }

    static XYChart chart(String title, String x, String y) {
        XYChart chart = new XYChartBuilder()
                .width(900)
                .height(520)
                .title(title)
                .xAxisTitle(x)
                .yAxisTitle(y)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
        return chart;
    }

    static Written save(Path output, XYChart chart, String title, String file) {
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            AtomicFiles.write(output.resolve("plots").resolve(file), out -> out.write(png));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + file, e);
        }
        return new Written(title, file);
    }
}
