package io.github.lc4j.benchmarks;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.core.cstep.CStepSolution;
import io.github.lc4j.core.cstep.CStepSolver;
import io.github.lc4j.core.cstep.CStepSolvers;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH view of the C-step solvers (run with {@code java -jar benchmarks/target/benchmarks.jar CStepJmh}).
 * The peer comparison with its distortions is {@link CStepBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
public class CStepJmh {
    @Param({"100000", "1000000"})
    int n;

    @Param({"adaptive:16:exact", "warm-lloyd:16", "scaled-pow2:6"})
    String solver;

    private float[] x;
    private CStepSolver cStepSolver;
    private CStepSolution previous;

    @Setup
    public void setUp() {
        x = CStepBenchmark.weights(n, n);
        if (solver.startsWith("warm-lloyd")) {
            cStepSolver = CStepSolvers.forCodebook(
                    Codebook.adaptive(16, Codebook.Adaptive.Method.LLOYD), 1, CStepKernels.DEFAULT);
            previous = CStepSolvers.forCodebook(
                            Codebook.adaptive(16, Codebook.Adaptive.Method.EXACT), 1, CStepKernels.DEFAULT)
                    .solve(x, null);
        } else {
            cStepSolver = CStepSolvers.forCodebook(
                    io.github.lc4j.core.CodebookSpecs.parse(solver, null), 1, CStepKernels.DEFAULT);
        }
    }

    @Benchmark
    public CStepSolution solve() {
        return cStepSolver.solve(x, previous);
    }
}
