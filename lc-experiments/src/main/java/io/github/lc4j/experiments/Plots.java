package io.github.lc4j.experiments;

import io.github.lc4j.core.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's plots of one model, as PNG through XChart (headless AWT), from the first seed's
 * cells. Per budget: test error against ρ ({@code <model>-error-vs-rho[-x<b>].png}), and for
 * {@code adaptive:2} and {@code adaptive:4} per layer the quantized net's training loss against
 * epochs ({@code <model>-loss-vs-epochs-adaptive-<K>[-x<b>].png}); the suffix is left out for
 * budget 1. Once, for the first budget: one layer's continuous weights with the codebook, for DC
 * and for LC ({@code <model>-histogram-<method>.png}).
 *
 * <p>Cells whose codebooks were chosen under a size budget ({@code auto;bits=B}, {@code auto;rho=R})
 * stay off the first plot, where every budget would add a marker; where the model has such cells
 * per layer, each budget gets {@code <model>-error-vs-rho-allocation[-x<b>].png} instead: test
 * error against ρ of uniform K (the {@code adaptive:K} entries per layer) and of automatic
 * allocation (the {@code auto} entries per layer, one point per size budget), for LC and DC.
 */
final class Plots {
    private Plots() {}

    /** A plot written: its title and file name in {@code plots/}. */
    record Written(String title, String file) {}

    /** The codebook entries (spec@granularity) whose training loss is plotted against epochs. */
    static final List<String> LOSS_CODEBOOKS = List.of("adaptive:2@layer", "adaptive:4@layer");

    private static final Pattern ADAPTIVE = Pattern.compile("adaptive:(\\d+)");

    /** One colour per method, the same in every plot, so a method reads alike across them. */
    private static final Map<String, Color> COLORS = Map.of(
            GridSpec.REFERENCE,
            Color.BLACK,
            "dc",
            new Color(110, 110, 110),
            "idc",
            new Color(31, 119, 180),
            "ste",
            new Color(44, 160, 44),
            "qp",
            new Color(255, 127, 14),
            "lc",
            new Color(214, 39, 40));

    /** Marker shapes of the codebooks off the adaptive sweep; the circle is the sweep's. */
    private static final List<Marker> SHAPES = List.of(
            SeriesMarkers.DIAMOND,
            SeriesMarkers.SQUARE,
            SeriesMarkers.TRIANGLE_UP,
            SeriesMarkers.TRIANGLE_DOWN,
            SeriesMarkers.CROSS,
            SeriesMarkers.PLUS,
            SeriesMarkers.TRAPEZOID,
            SeriesMarkers.RECTANGLE,
            SeriesMarkers.OVAL);

    private static final BasicStroke DASHED =
            new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0);

    static List<Written> write(
            Path output,
            GridSpec grid,
            GridSpec.Model model,
            List<String> methods,
            Map<ExperimentRunner.Cell, CellResult> done) {
        List<Integer> budgets = grid.budgets();
        int epochsPerStep = grid.scheduleOf(model).epochsPerStep();
        System.setProperty("java.awt.headless", "true");
        long seed = firstSeed(done, model);
        Map<ExperimentRunner.Cell, CellResult> ofModel = new LinkedHashMap<>();
        done.forEach((cell, result) -> {
            if (cell.model().equals(model.name()) && cell.seed() == seed) {
                ofModel.put(cell, result);
            }
        });
        CellResult reference = ofModel.entrySet().stream()
                .filter(e -> e.getKey().codebook() == null)
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
        List<Written> written = new ArrayList<>();
        for (int budget : budgets) {
            List<CellResult> cells = ofModel.entrySet().stream()
                    .filter(e -> e.getKey().codebook() != null && e.getKey().comparesAt(budget))
                    .map(Map.Entry::getValue)
                    .toList();
            if (cells.isEmpty()) {
                continue;
            }
            String budgetTitle = budgetTitle(budgets, budget, epochsPerStep);
            written.add(errorAgainstRho(output, model, budget, budgetTitle, methods, cells, reference));
            RhoSeries allocation = allocationSeries(cells);
            if (allocation.lines().containsKey(AUTOMATIC_LC)
                    || allocation.lines().containsKey(AUTOMATIC_DC)) {
                written.add(errorAgainstRhoByAllocation(output, model, budget, budgetTitle, allocation, reference));
            }
            for (String codebook : model.codebooks()) {
                String entry = GridSpec.CodebookEntry.parse(codebook).toString();
                List<CellResult> ofCodebook =
                        cells.stream().filter(c -> entry(c).equals(entry)).toList();
                if (LOSS_CODEBOOKS.contains(entry)
                        && ofCodebook.stream().anyMatch(c -> c.iterations().size() > 1)) {
                    written.add(lossAgainstEpochs(output, model, budget, budgetTitle, entry, methods, ofCodebook));
                }
            }
        }
        String firstEntry =
                GridSpec.CodebookEntry.parse(model.codebooks().get(0)).toString();
        int firstBudget = budgets.get(0);
        for (String method : List.of("dc", "lc")) {
            ofModel.entrySet().stream()
                    .filter(e -> e.getKey().codebook() != null && e.getKey().comparesAt(firstBudget))
                    .map(Map.Entry::getValue)
                    .filter(c -> entry(c).equals(firstEntry) && c.method().equals(method) && c.histogram() != null)
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

    /** A codebook entry as the grid writes it, spec@granularity. */
    static String entry(String spec, String granularity) {
        return spec + "@" + granularity;
    }

    /**
     * The codebook entry of a cell as {@link GridSpec.CodebookEntry#toString()} writes it:
     * spec@granularity, then ;bits=B or ;rho=R for a size budget.
     */
    static String entry(CellResult cell) {
        return entry(cell.codebook(), cell.granularity()) + (cell.chooses() ? ";" + cell.sizeBudget() : "");
    }

    /**
     * A codebook entry as plots name it: the spec, with its granularity unless that is per layer,
     * and its size budget if it has one.
     */
    static String codebookLabel(CellResult cell) {
        return (cell.granularity().equals("layer") ? cell.codebook() : entry(cell.codebook(), cell.granularity()))
                + (cell.chooses() ? ";" + cell.sizeBudget() : "");
    }

    /** K of an adaptive codebook per layer (the ρ sweep), else null. */
    static Integer sweepSize(CellResult cell) {
        Matcher matcher = ADAPTIVE.matcher(cell.codebook());
        return cell.granularity().equals("layer") && matcher.matches() ? Integer.valueOf(matcher.group(1)) : null;
    }

    /** Adds the ρ of a cell of the sweep to {@code sweep}, once per K whichever cell measured it. */
    private static void addToSweep(TreeMap<Double, Integer> sweep, CellResult cell) {
        // two keys a rounding apart would divide by log(1)
        Double near = sweep.ceilingKey(cell.rho() * (1 - 1e-9));
        if (near == null || near > cell.rho() * (1 + 1e-9)) {
            sweep.put(cell.rho(), sweepSize(cell));
        }
    }

    private static String suffix(int budget) {
        return budget == 1 ? "" : "-x" + budget;
    }

    private static String budgetTitle(List<Integer> budgets, int budget, int epochsPerStep) {
        return budgets.equals(List.of(1))
                ? ""
                : String.format(Locale.ROOT, ", budget ×%d (%d epochs per L step)", budget, epochsPerStep * budget);
    }

    // ---- test error against ρ

    /** A method's test error at a compression ratio. */
    record Point(double rho, double testError) {}

    /**
     * What the error-against-ρ plot draws.
     *
     * @param sweep   the adaptive sweep's distinct ρ, ascending, with its K
     * @param lines   per method (in the grid's order), its points on the sweep, ascending in ρ
     * @param markers per codebook off the sweep (in the cells' order), each method's point
     */
    record RhoSeries(
            TreeMap<Double, Integer> sweep, Map<String, List<Point>> lines, Map<String, Map<String, Point>> markers) {

        /** Where ρ lies on the plot's x axis: sweep point i at i, linear in log ρ between them. */
        double position(double rho) {
            List<Double> at = List.copyOf(sweep.keySet());
            if (at.isEmpty()) {
                return log2(rho);
            }
            if (at.size() == 1) {
                return log2(rho / at.get(0));
            }
            int i = 0;
            while (i < at.size() - 2 && rho > at.get(i + 1)) {
                i++;
            }
            return i + Math.log(rho / at.get(i)) / Math.log(at.get(i + 1) / at.get(i));
        }

        /**
         * The x axis's ends, whole positions around every point; a point up to 3 % of the span
         * outside them stays there, in the margin XChart leaves inside the plot, rather than add a
         * whole position.
         */
        double[] axis() {
            double low = Double.POSITIVE_INFINITY;
            double high = Double.NEGATIVE_INFINITY;
            List<Point> points = new ArrayList<>();
            lines.values().forEach(points::addAll);
            markers.values().forEach(byMethod -> points.addAll(byMethod.values()));
            for (Point point : points) {
                low = Math.min(low, position(point.rho()));
                high = Math.max(high, position(point.rho()));
            }
            if (points.isEmpty()) {
                return new double[] {-1, 1};
            }
            double slack = 0.03 * Math.max(1, Math.ceil(high) - Math.floor(low));
            double min = Math.floor(low + slack);
            double max = Math.ceil(high - slack);
            return min < max ? new double[] {min, max} : new double[] {min - 1, max + 1};
        }

        /** The x axis's label at {@code position}: ρ and K at a sweep point, nothing between them. */
        String tickLabel(double position) {
            long index = Math.round(position);
            if (Math.abs(position - index) > 1e-6) {
                return "";
            }
            List<Map.Entry<Double, Integer>> at = List.copyOf(sweep.entrySet());
            if (index >= 0 && index < at.size()) {
                return String.format(
                        Locale.ROOT,
                        "%.1f (K=%d)",
                        at.get((int) index).getKey(),
                        at.get((int) index).getValue());
            }
            return String.format(Locale.ROOT, "%.1f", rhoAt(index));
        }

        private double rhoAt(double position) {
            List<Double> at = List.copyOf(sweep.keySet());
            if (at.isEmpty()) {
                return Math.pow(2, position);
            }
            if (at.size() == 1) {
                return at.get(0) * Math.pow(2, position);
            }
            int i = (int) Math.max(0, Math.min(at.size() - 2, Math.floor(position)));
            return at.get(i) * Math.pow(at.get(i + 1) / at.get(i), position - i);
        }
    }

    /**
     * Sorts the cells of one model, seed and budget into the error-against-ρ plot's series: the
     * adaptive codebooks per layer form one line per method over ρ; every other codebook (fixed,
     * scaled, partial, shared, per channel, adaptive with a method) is a marker per method.
     */
    static RhoSeries rhoSeries(List<String> methods, List<CellResult> cells) {
        TreeMap<Double, Integer> sweep = new TreeMap<>();
        Map<String, List<Point>> lines = new LinkedHashMap<>();
        Map<String, Map<String, Point>> markers = new LinkedHashMap<>();
        for (CellResult cell : cells) {
            if (cell.chooses()) {
                continue; // the allocation plot's
            }
            if (sweepSize(cell) != null) {
                addToSweep(sweep, cell);
            } else if (methods.contains(cell.method())) {
                markers.computeIfAbsent(codebookLabel(cell), label -> new LinkedHashMap<>());
            }
        }
        for (String method : methods) {
            List<Point> line = cells.stream()
                    .filter(c -> c.method().equals(method) && sweepSize(c) != null)
                    .sorted(Comparator.comparingDouble(CellResult::rho))
                    .map(c -> new Point(c.rho(), c.testError()))
                    .toList();
            if (!line.isEmpty()) {
                lines.put(method, line);
            }
            for (CellResult cell : cells) {
                if (cell.method().equals(method) && sweepSize(cell) == null && !cell.chooses()) {
                    markers.get(codebookLabel(cell)).put(method, new Point(cell.rho(), cell.testError()));
                }
            }
        }
        return new RhoSeries(sweep, lines, markers);
    }

    private static Written errorAgainstRho(
            Path output,
            GridSpec.Model model,
            int budget,
            String budgetTitle,
            List<String> methods,
            List<CellResult> cells,
            CellResult reference) {
        String title = model.name() + budgetTitle + ": test error against compression ratio";
        RhoSeries series = rhoSeries(methods, cells);
        // XChart labels no tick on a log axis spanning less than a decade: a linear axis over the sweep's
        // positions instead, one labelled tick per adaptive K
        XYChart chart = chart(
                title,
                series.sweep().isEmpty()
                        ? "compression ratio ρ (log scale)"
                        : "compression ratio ρ (log scale; a tick per adaptive codebook per layer, K values)",
                "test error, %");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(series::tickLabel);
        double[] axis = series.axis();
        // XChart draws no tick at all when the axis ends' labels are equal (both blank here): whole positions
        chart.getStyler().setXAxisMin(axis[0]);
        chart.getStyler().setXAxisMax(axis[1]);
        for (Map.Entry<String, List<Point>> line : series.lines().entrySet()) {
            XYSeries drawn = chart.addSeries(
                    ResultsReport.label(line.getKey()),
                    line.getValue().stream().map(p -> series.position(p.rho())).toList(),
                    line.getValue().stream().map(p -> 100 * p.testError()).toList());
            drawn.setMarker(SeriesMarkers.CIRCLE);
            color(drawn, line.getKey());
        }
        int shape = 0;
        for (Map.Entry<String, Map<String, Point>> codebook : series.markers().entrySet()) {
            Marker marker = SHAPES.get(shape++ % SHAPES.size());
            // the legend names each codebook once by its shape; each method's marker has the method's colour
            XYSeries legend = chart.addSeries(codebook.getKey(), new double[] {Double.NaN}, new double[] {Double.NaN});
            legend.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            legend.setMarker(marker);
            legend.setMarkerColor(Color.DARK_GRAY);
            int m = 0;
            for (Map.Entry<String, Point> point : codebook.getValue().entrySet()) {
                // nudged apart per method, so methods with close errors do not hide each other
                double x = series.position(point.getValue().rho())
                        + 0.012
                                * (axis[1] - axis[0])
                                * (m++ - (codebook.getValue().size() - 1) / 2.0);
                XYSeries drawn = chart.addSeries(
                        ResultsReport.label(point.getKey()) + " " + codebook.getKey(),
                        new double[] {x},
                        new double[] {100 * point.getValue().testError()});
                drawn.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                drawn.setMarker(marker);
                drawn.setMarkerColor(COLORS.getOrDefault(point.getKey(), Color.DARK_GRAY));
                drawn.setShowInLegend(false);
            }
        }
        addReferenceLine(chart, axis, reference);
        return save(output, chart, title, model.name() + "-error-vs-rho" + suffix(budget) + ".png");
    }

    /** The float reference's test error as a dashed line across {@code axis}, when there is one. */
    private static void addReferenceLine(XYChart chart, double[] axis, CellResult reference) {
        if (reference == null) {
            return;
        }
        double error = 100 * reference.testError();
        XYSeries drawn = chart.addSeries("reference", axis, new double[] {error, error});
        drawn.setMarker(SeriesMarkers.NONE);
        drawn.setLineStyle(DASHED);
        drawn.setLineColor(COLORS.get(GridSpec.REFERENCE));
    }

    // ---- test error against ρ: uniform K against automatic allocation

    /** The allocation plot's series of LC over the adaptive codebooks per layer. */
    static final String UNIFORM_LC = "uniform K, LC";

    /** The allocation plot's series of DC over the adaptive codebooks per layer. */
    static final String UNIFORM_DC = "uniform K, DC";

    /** The allocation plot's series of LC over the entries per layer that choose under a size budget. */
    static final String AUTOMATIC_LC = "automatic, LC";

    /** The allocation plot's series of DC over the entries per layer that choose under a size budget. */
    static final String AUTOMATIC_DC = "automatic, DC";

    /**
     * Sorts the cells of one model, seed and budget into the allocation plot's lines, each
     * ascending in ρ: uniform K (the adaptive codebooks per layer, the same sweep as the first
     * plot's) and automatic allocation (the entries per layer that choose under a size budget),
     * for LC and for DC; a line without cells is left out. The sweep is the uniform cells' ρ.
     */
    static RhoSeries allocationSeries(List<CellResult> cells) {
        TreeMap<Double, Integer> sweep = new TreeMap<>();
        Map<String, List<Point>> lines = new LinkedHashMap<>();
        for (String series : List.of(UNIFORM_LC, UNIFORM_DC, AUTOMATIC_LC, AUTOMATIC_DC)) {
            String method = series.endsWith("LC") ? "lc" : "dc";
            boolean automatic = series.startsWith("automatic");
            List<CellResult> ofSeries = cells.stream()
                    .filter(c -> c.method().equals(method))
                    .filter(c -> automatic
                            ? c.chooses() && c.granularity().equals("layer")
                            : !c.chooses() && sweepSize(c) != null)
                    .sorted(Comparator.comparingDouble(CellResult::rho))
                    .toList();
            if (!automatic) {
                ofSeries.forEach(cell -> addToSweep(sweep, cell));
            }
            if (!ofSeries.isEmpty()) {
                lines.put(
                        series,
                        ofSeries.stream()
                                .map(c -> new Point(c.rho(), c.testError()))
                                .toList());
            }
        }
        return new RhoSeries(sweep, lines, Map.of());
    }

    private static final BasicStroke DOTTED =
            new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10, new float[] {1, 5}, 0);

    private static Written errorAgainstRhoByAllocation(
            Path output, GridSpec.Model model, int budget, String budgetTitle, RhoSeries series, CellResult reference) {
        String title = model.name() + budgetTitle + ": test error against ρ, uniform K against automatic allocation";
        XYChart chart = chart(
                title,
                series.sweep().isEmpty()
                        ? "compression ratio ρ (log scale)"
                        : "compression ratio ρ (log scale; a tick per uniform K)",
                "test error, %");
        chart.getStyler().setxAxisTickLabelsFormattingFunction(series::tickLabel);
        double[] axis = series.axis();
        chart.getStyler().setXAxisMin(axis[0]);
        chart.getStyler().setXAxisMax(axis[1]);
        for (Map.Entry<String, List<Point>> line : series.lines().entrySet()) {
            XYSeries drawn = chart.addSeries(
                    line.getKey(),
                    line.getValue().stream().map(p -> series.position(p.rho())).toList(),
                    line.getValue().stream().map(p -> 100 * p.testError()).toList());
            color(drawn, line.getKey().endsWith("LC") ? "lc" : "dc");
            // a method keeps its colour; automatic allocation is told apart by its marker and dotted line
            if (line.getKey().startsWith("automatic")) {
                drawn.setMarker(SeriesMarkers.DIAMOND);
                drawn.setLineStyle(DOTTED);
            } else {
                drawn.setMarker(SeriesMarkers.CIRCLE);
            }
        }
        addReferenceLine(chart, axis, reference);
        return save(output, chart, title, model.name() + "-error-vs-rho-allocation" + suffix(budget) + ".png");
    }

    // ---- training loss against epochs

    /**
     * The training-loss curves of one codebook: per method (in the grid's order), {epochs, losses}
     * with iteration i at epoch i × its epochs per step, iteration 0 being DC at epoch 0. DC, which
     * trains nothing, is a flat line at its loss over the longest curve's epochs.
     */
    static Map<String, double[][]> lossCurves(List<String> methods, List<CellResult> cells) {
        Map<String, double[][]> curves = new LinkedHashMap<>();
        double last = 0;
        for (CellResult cell : cells) {
            last = Math.max(last, cell.epochsTrained());
        }
        for (String method : methods) {
            CellResult cell = cells.stream()
                    .filter(c -> c.method().equals(method))
                    .findFirst()
                    .orElse(null);
            if (cell == null || cell.iterations().isEmpty()) {
                continue;
            }
            if (cell.iterations().size() == 1) {
                double loss = cell.iterations().get(0).trainLoss();
                curves.put(method, new double[][] {{0, last}, {loss, loss}});
                continue;
            }
            double[] epochs = new double[cell.iterations().size()];
            double[] losses = new double[epochs.length];
            for (int i = 0; i < epochs.length; i++) {
                CellResult.Iteration iteration = cell.iterations().get(i);
                epochs[i] = (double) iteration.iteration() * cell.epochsPerStep();
                losses[i] = iteration.trainLoss();
            }
            curves.put(method, new double[][] {epochs, losses});
        }
        return curves;
    }

    private static Written lossAgainstEpochs(
            Path output,
            GridSpec.Model model,
            int budget,
            String budgetTitle,
            String entry,
            List<String> methods,
            List<CellResult> cells) {
        String codebook = GridSpec.CodebookEntry.parse(entry).spec();
        String title =
                model.name() + ", " + codebook + budgetTitle + ": training loss of the quantized net against epochs";
        // linear: XChart labels no tick on a log axis spanning less than a decade
        XYChart chart = chart(title, "epochs of training (0 = direct compression)", "training loss");
        for (Map.Entry<String, double[][]> curve : lossCurves(methods, cells).entrySet()) {
            XYSeries drawn =
                    chart.addSeries(ResultsReport.label(curve.getKey()), curve.getValue()[0], curve.getValue()[1]);
            color(drawn, curve.getKey());
            if (curve.getKey().equals("dc")) {
                drawn.setMarker(SeriesMarkers.NONE);
                drawn.setLineStyle(DASHED);
            } else {
                drawn.setMarker(SeriesMarkers.CIRCLE);
            }
        }
        return save(
                output,
                chart,
                title,
                model.name() + "-loss-vs-epochs-" + codebook.replace(':', '-') + suffix(budget) + ".png");
    }

    private static void color(XYSeries series, String method) {
        Color color = COLORS.get(method);
        if (color != null) {
            series.setLineColor(color);
            series.setMarkerColor(color);
        }
    }

    // ---- histograms

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

    private static double log2(double value) {
        return Math.log(value) / Math.log(2);
    }
}
