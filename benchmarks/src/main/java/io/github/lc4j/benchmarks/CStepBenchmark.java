package io.github.lc4j.benchmarks;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.core.cstep.CStepSolution;
import io.github.lc4j.core.cstep.CStepSolvers;
import io.github.lc4j.core.io.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.apache.commons.math3.ml.clustering.CentroidCluster;
import org.apache.commons.math3.ml.clustering.DoublePoint;
import org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer;
import org.apache.commons.math3.random.JDKRandomGenerator;
import smile.clustering.KMeans;

/**
 * The C-step comparison table: lc4j's solvers against Apache Commons Math's
 * {@code KMeansPlusPlusClusterer} and Smile's {@code KMeans}, on the same vectors in the same
 * run, reporting median wall time and distortion ‖x − Δ(Θ)‖² side by side.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.lc4j.benchmarks.CStepBenchmark \
 *     [--sizes 100000,1000000,10000000] [--peer-limit 1000000] [--repeats 3] [--output FILE.md]
 * java -cp benchmarks/target/benchmarks.jar io.github.lc4j.benchmarks.CStepBenchmark --shapes 1000000 [--repeats 5]
 * </pre>
 *
 * The second form times the exact solver on other shapes of values (uniform, Gaussian, Laplace,
 * Cauchy) beside the trained-layer shape of the table.
 */
public final class CStepBenchmark {
    private static final int K = 16;

    private record Row(int n, String solver, double millis, double distortion, Double ratioExact, Double ratioLloyd) {}

    private CStepBenchmark() {}

    /** Runs the comparison; see the class comment for the arguments. */
    public static void main(String[] args) {
        int[] sizes = {100_000, 1_000_000, 10_000_000};
        int peerLimit = 1_000_000;
        int repeats = 3;
        Path output = null;
        int shapes = 0;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--sizes" ->
                    sizes = Arrays.stream(args[i + 1].split(","))
                            .mapToInt(Integer::parseInt)
                            .toArray();
                case "--peer-limit" -> peerLimit = Integer.parseInt(args[i + 1]);
                case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
                case "--output" -> output = Path.of(args[i + 1]);
                case "--shapes" -> shapes = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (shapes > 0) {
            System.out.print(shapesTable(shapes, repeats));
            return;
        }
        String table = header() + table(sizes, peerLimit, repeats);
        System.out.print(table);
        if (output != null) {
            byte[] bytes = table.getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(output, out -> out.write(bytes));
        }
    }

    /** Measures every solver at every size and returns the table with its notes (no heading). */
    static String table(int[] sizes, int peerLimit, int repeats) {
        List<Row> rows = new ArrayList<>();
        for (int n : sizes) {
            float[] x = weights(n, n);
            float[] moved = perturbed(x, n + 1);
            CStepSolution exact = CStepSolvers.forCodebook(
                            Codebook.adaptive(K, Codebook.Adaptive.Method.EXACT), 1, CStepKernels.DEFAULT)
                    .solve(x, null);
            Timed<CStepSolution> exactRun = time(
                    repeats,
                    () -> CStepSolvers.forCodebook(
                                    Codebook.adaptive(K, Codebook.Adaptive.Method.EXACT), 1, CStepKernels.DEFAULT)
                            .solve(x, null));
            rows.add(new Row(
                    n,
                    "lc4j exact 1-D k-means, K=16 (cold)",
                    exactRun.millis,
                    exactRun.value.distortion(),
                    null,
                    null));
            Timed<CStepSolution> lloyd = time(
                    repeats,
                    () -> CStepSolvers.forCodebook(
                                    Codebook.adaptive(K, Codebook.Adaptive.Method.LLOYD), 1, CStepKernels.DEFAULT)
                            .solve(moved, exact));
            rows.add(new Row(
                    n,
                    "lc4j warm Lloyd C step, K=16 (x moved by 1%)",
                    lloyd.millis,
                    lloyd.value.distortion(),
                    null,
                    null));
            Timed<CStepSolution> lloydCold = time(
                    repeats,
                    () -> CStepSolvers.forCodebook(
                                    Codebook.adaptive(K, Codebook.Adaptive.Method.LLOYD), 1, CStepKernels.DEFAULT)
                            .solve(x, null));
            rows.add(new Row(
                    n,
                    "lc4j k-means++ then Lloyd, K=16 (cold)",
                    lloydCold.millis,
                    lloydCold.value.distortion(),
                    null,
                    null));
            float[] shape = new float[K];
            for (int k = 0; k < K; k++) {
                shape[k] = k - (K - 1) / 2f;
            }
            Timed<CStepSolution> sweep = time(
                    repeats,
                    () -> CStepSolvers.forCodebook(Codebook.scaled(shape), 1, CStepKernels.DEFAULT)
                            .solve(x, null));
            rows.add(new Row(
                    n,
                    "lc4j scaled codebook sweep, a·{-7.5..7.5}, K=16",
                    sweep.millis,
                    sweep.value.distortion(),
                    null,
                    null));
            if (n <= peerLimit) {
                double[] doubles = new double[n];
                for (int i = 0; i < n; i++) {
                    doubles[i] = x[i];
                }
                Timed<double[]> commons = time(1, () -> commonsMath(doubles));
                rows.add(new Row(
                        n,
                        "Commons Math KMeansPlusPlusClusterer, K=16",
                        commons.millis,
                        distortion(x, commons.value),
                        commons.millis / exactRun.millis,
                        commons.millis / lloydCold.millis));
                Timed<double[]> smile = time(1, () -> smile(doubles));
                rows.add(new Row(
                        n,
                        "Smile KMeans.fit, K=16",
                        smile.millis,
                        distortion(x, smile.value),
                        smile.millis / exactRun.millis,
                        smile.millis / lloydCold.millis));
            }
        }
        return render(rows, sizes, peerLimit, repeats);
    }

    private record Timed<T>(double millis, T value) {}

    /** One untimed warm-up, then the median of {@code repeats} timed runs. */
    private static <T> Timed<T> time(int repeats, Supplier<T> work) {
        T value = work.get();
        double[] millis = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            value = work.get();
            millis[r] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        return new Timed<>(millis[repeats / 2], value);
    }

    /** The exact solver (K = 16) on n values of each shape: median time and distortion against k-means++ and Lloyd's. */
    static String shapesTable(int n, int repeats) {
        StringBuilder table = new StringBuilder(String.format(
                Locale.ROOT,
                "Exact 1-D k-means, K = %d, n = %,d, median of %d runs after one warm-up:%n%n"
                        + "| values | exact (ms) | distortion | k-means++ + Lloyd distortion |%n|---|---:|---:|---:|%n",
                K,
                n,
                repeats));
        for (String shape : new String[] {"trained layer", "uniform", "Gaussian", "Laplace", "Cauchy"}) {
            float[] x = shape.equals("trained layer") ? weights(n, n) : shaped(shape, n, n);
            Timed<CStepSolution> exact = time(
                    repeats,
                    () -> CStepSolvers.forCodebook(
                                    Codebook.adaptive(K, Codebook.Adaptive.Method.EXACT), 1, CStepKernels.DEFAULT)
                            .solve(x, null));
            CStepSolution lloyd = CStepSolvers.forCodebook(
                            Codebook.adaptive(K, Codebook.Adaptive.Method.LLOYD), 1, CStepKernels.DEFAULT)
                    .solve(x, null);
            table.append(String.format(
                    Locale.ROOT,
                    "| %s | %.1f | %.6g | %.6g |%n",
                    shape,
                    exact.millis,
                    exact.value.distortion(),
                    lloyd.distortion()));
        }
        return table.toString();
    }

    private static float[] shaped(String shape, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            x[i] = (float)
                    switch (shape) {
                        case "uniform" -> u;
                        case "Gaussian" -> random.nextGaussian();
                        case "Laplace" -> Math.log(1 - u) * (random.nextBoolean() ? 1 : -1);
                        case "Cauchy" -> Math.tan(Math.PI * (u - 0.5));
                        default -> throw new IllegalArgumentException("unknown shape " + shape);
                    };
        }
        return x;
    }

    /** Weights shaped like a trained layer's: a narrow Gaussian core with heavier tails. */
    static float[] weights(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double scale = random.nextInt(10) == 0 ? 0.15 : 0.04;
            x[i] = (float) (random.nextGaussian() * scale);
        }
        return x;
    }

    private static float[] perturbed(float[] x, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] moved = x.clone();
        for (int i = 0; i < moved.length; i++) {
            moved[i] += (float) (random.nextGaussian() * 0.0005);
        }
        return moved;
    }

    private static double[] commonsMath(double[] values) {
        List<DoublePoint> points = new ArrayList<>(values.length);
        for (double value : values) {
            points.add(new DoublePoint(new double[] {value}));
        }
        JDKRandomGenerator random = new JDKRandomGenerator();
        random.setSeed(1);
        KMeansPlusPlusClusterer<DoublePoint> clusterer = new KMeansPlusPlusClusterer<>(
                K, 100, new org.apache.commons.math3.ml.distance.EuclideanDistance(), random);
        List<CentroidCluster<DoublePoint>> clusters = clusterer.cluster(points);
        return clusters.stream()
                .mapToDouble(cluster -> cluster.getCenter().getPoint()[0])
                .toArray();
    }

    private static double[] smile(double[] values) {
        double[][] data = new double[values.length][];
        for (int i = 0; i < values.length; i++) {
            data[i] = new double[] {values[i]};
        }
        KMeans model = KMeans.fit(data, K, 100, 1e-4);
        return Arrays.stream(model.centroids)
                .mapToDouble(centroid -> centroid[0])
                .toArray();
    }

    /** Distortion of assigning every x to its nearest centre (what the peer's centres are worth). */
    private static double distortion(float[] x, double[] centres) {
        double[] sorted = centres.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (float value : x) {
            int index = Arrays.binarySearch(sorted, value);
            int insertion = index >= 0 ? index : -index - 1;
            double best = Double.POSITIVE_INFINITY;
            for (int j = Math.max(0, insertion - 1); j <= Math.min(sorted.length - 1, insertion); j++) {
                best = Math.min(best, Math.abs(value - sorted[j]));
            }
            sum += best * best;
        }
        return sum;
    }

    private static String ratio(Double value) {
        return value == null ? "" : String.format(Locale.ROOT, "%.1f×", value);
    }

    private static String header() {
        StringBuilder text = new StringBuilder();
        text.append("# C-step benchmark: lc4j against Commons Math and Smile\n\n");
        text.append("Regenerate with:\n\n```bash\nmvn -B -q -DskipTests package\n"
                + "java -cp benchmarks/target/benchmarks.jar io.github.lc4j.benchmarks.CStepBenchmark"
                + " --output FILE.md\n```\n\n(docs/PERFORMANCE.md holds this table with the rest.)\n\n");
        return text.toString();
    }

    private static String render(List<Row> rows, int[] sizes, int peerLimit, int repeats) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                Locale.ROOT,
                "Machine: %d processors, %s %s, Java %s (%s), max heap %d MiB."
                        + " Data: n float weights, 90%% N(0, 0.04²) and 10%% N(0, 0.15²), seed n; K = 16.%n%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"),
                Runtime.getRuntime().maxMemory() >> 20));
        text.append("| n | solver | time (ms) | distortion ‖x−Δ(Θ)‖² | peer time / lc4j exact"
                + " | peer time / lc4j k-means++ + Lloyd |\n");
        text.append("|---:|---|---:|---:|---:|---:|\n");
        for (Row row : rows) {
            text.append(String.format(
                    Locale.ROOT,
                    "| %,d | %s | %.1f | %.6g | %s | %s |%n",
                    row.n,
                    row.solver,
                    row.millis,
                    row.distortion,
                    ratio(row.ratioExact),
                    ratio(row.ratioLloyd)));
        }
        text.append(String.format(
                Locale.ROOT,
                "%nlc4j rows: median of %d runs after one warm-up; peers: one run after"
                        + " one warm-up, run only up to n = %,d. Sizes: %s.%n",
                repeats,
                peerLimit,
                Arrays.toString(sizes)));
        return text.toString();
    }
}
