package io.github.lc4j.cli;

import io.github.lc4j.api.BitBudget;
import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.core.CodebookSpecs;
import io.github.lc4j.core.cstep.BitAllocation;
import io.github.lc4j.core.cstep.CStepSolution;
import io.github.lc4j.core.cstep.CStepSolvers;
import io.github.lc4j.core.io.AtomicFiles;
import io.github.lc4j.core.io.NpyArray;
import io.github.lc4j.core.io.RunReport;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Direct compression of one weight array: the C step alone, from the command line. */
@Command(
        name = "quantize-weights",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Quantize one NumPy .npy array (float32 or float64, C order) as one group: the C step alone,"
                    + " i.e. direct compression. Writes the quantized array in the input's dtype and shape.",
            "",
            "Codebook SPEC: " + CodebookSpecs.GRAMMAR,
            "  adaptive:K[:exact|lloyd]  K learned values (exact 1-D k-means by default)",
            "  binary, ternary           {-1,+1}, {-1,0,+1}",
            "  scaled-binary/-ternary    {-a,+a}, {-a,0,+a} with the optimal a",
            "  pow2:C, scaled-pow2:C     {0, ±1, ±2^-1, …, ±2^-C}, optionally times the optimal a",
            "  fixed:V1,..  scaled:V1,.. any sorted list, optionally times the optimal a",
            "  partial:P1,P2+L           pinned values P plus L learned ones, e.g. partial:0+2",
            "  auto[:K1,K2,..|:S1|S2..]  the candidate of least distortion within --bits-per-weight"
        })
final class QuantizeWeightsCommand implements Callable<Integer> {
    @Option(
            names = "--config",
            paramLabel = "FILE.yaml|FILE.json",
            description = "Read option values from a YAML or JSON file (keys: the option names without '--');"
                    + " the command line overrides the file.")
    Path config;

    @Option(
            names = {"--weights", "--input"},
            required = true,
            paramLabel = "W.npy",
            description = "The array to quantize (--input is the older spelling).")
    Path input;

    @Option(names = "--codebook", required = true, paramLabel = "SPEC", description = "The codebook (see above).")
    String codebook;

    @Option(
            names = {"-k", "--k"},
            description = "Codebook size K for a bare 'adaptive' codebook, as in compress.")
    Integer size;

    @Option(names = "--output", required = true, paramLabel = "Q.npy", description = "Where to write the result.")
    Path output;

    @Option(
            names = "--report",
            paramLabel = "R.json",
            description = "Where to write codebook, scale, distortion," + " bits per weight and time as JSON.")
    Path report;

    @Option(
            names = "--bits-per-weight",
            paramLabel = "B",
            description = "With an 'auto' codebook: the size budget, at most B bits per value, codebook included.")
    Double bitsPerWeight;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of k-means++ seeding. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Outputs.checkWritable(output, "--output");
        Outputs.checkWritable(report, "--report");
        Renamed.notice(spec, spec.commandLine().getErr());
        Codebook parsed = CodebookSpecs.parse(codebook, size);
        NpyArray array = read(input);
        double[] original = array.values();
        if (original.length == 0) {
            throw new InvalidInputException(input + " holds no values; nothing to quantize");
        }
        for (int i = 0; i < original.length; i++) {
            if (!Double.isFinite(original[i]) || Math.abs(original[i]) > Float.MAX_VALUE) {
                throw new InvalidInputException(input + " has a non-finite or out-of-float-range value (" + original[i]
                        + ") at flat index " + i + "; clean the array before quantizing it");
            }
        }
        float[] x = array.toFloats();
        long start = System.nanoTime();
        List<Codebook> candidates = parsed instanceof Codebook.Choice choice ? choice.candidates() : List.of(parsed);
        if (parsed instanceof Codebook.Choice != (bitsPerWeight != null)) {
            throw new IllegalArgumentException(
                    bitsPerWeight == null
                            ? "--codebook " + codebook
                                    + " chooses among codebooks: give the budget with --bits-per-weight B"
                            : "--bits-per-weight budgets an 'auto' codebook; --codebook " + codebook + " is fixed");
        }
        List<CStepSolution> solutions = new ArrayList<>();
        double[] distortions = new double[candidates.size()];
        long[] storage = new long[candidates.size()];
        for (int c = 0; c < candidates.size(); c++) {
            solutions.add(CStepSolvers.forCodebook(candidates.get(c), seed, CStepKernels.DEFAULT)
                    .solve(x, null));
            distortions[c] = solutions.get(c).distortion();
            storage[c] = candidates.get(c).storageBits(x.length);
        }
        int chosen = 0;
        if (bitsPerWeight != null) {
            BitBudget budget = BitBudget.bitsPerWeight(bitsPerWeight);
            chosen = BitAllocation.withinBudget(
                            List.of(new BitAllocation.Candidates(distortions, storage)),
                            budget.totalBits(x.length, x.length, 0))
                    .choices()[0];
            parsed = candidates.get(chosen);
        }
        CStepSolution solution = solutions.get(chosen);
        double seconds = (System.nanoTime() - start) / 1e9;
        float[] quantized = solution.reconstruction();
        double[] values = new double[quantized.length];
        double distortion = 0;
        for (int i = 0; i < values.length; i++) {
            values[i] = quantized[i];
            distortion += (original[i] - values[i]) * (original[i] - values[i]);
        }
        NpyArray result = new NpyArray(array.shape(), values, array.dtype());
        AtomicFiles.write(output, result::write);
        long bits = parsed.storageBits(values.length);
        if (report != null) {
            Map<String, Object> entries = new LinkedHashMap<>();
            entries.put("input", input.toString());
            entries.put("output", output.toString());
            entries.put("shape", array.shape());
            entries.put("dtype", array.dtype().name().toLowerCase(Locale.ROOT));
            entries.put("codebook", parsed.describe());
            entries.put("values", solution.values());
            entries.put("scale", solution.scale());
            entries.put("distortion", distortion);
            entries.put("bitsPerWeight", parsed.bitsPerWeight());
            entries.put("storedBits", bits);
            entries.put("compressionRatio", 32.0 * values.length / bits);
            entries.put("seconds", seconds);
            RunReport.write(report, entries);
        }
        spec.commandLine()
                .getOut()
                .printf(
                        Locale.ROOT,
                        "%s: %d values quantized to %s%s, distortion ‖x−Δ(Θ)‖² = %.6g, %d bit/weight, %.3f s%n",
                        input,
                        values.length,
                        parsed.describe(),
                        Double.isNaN(solution.scale())
                                ? ""
                                : String.format(Locale.ROOT, " (scale a = %.6g)", solution.scale()),
                        distortion,
                        parsed.bitsPerWeight(),
                        seconds);
        return 0;
    }

    private static NpyArray read(Path file) {
        if (Files.isDirectory(file)) {
            throw new InvalidInputException("--input " + file + " is a directory; give a .npy file");
        }
        try (InputStream stream = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return NpyArray.read(stream, file.toString()).requireFloats(file.toString());
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("--input " + file + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + e, e);
        }
    }
}
