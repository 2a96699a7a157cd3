package io.github.lc4j.benchmarks;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.backend.cpu.CpuJavaBackendProvider;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the LC penalty adds to a cpu-java training step: the same step (SGD with Nesterov momentum
 * 0.9, 2 threads, embedded batches) with a penalty on every weight matrix and without one. Run
 * with {@code java -jar benchmarks/target/benchmarks.jar PenaltyCostJmh}; the ratio of the two
 * average times is the penalty's cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(5)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class PenaltyCostJmh {
    @Param({"lenet300:256", "lenet5:128"})
    String net;

    @Param({"on", "off"})
    String penalty;

    private Trainer trainer;
    private List<Batch> batches;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = net.split(":");
        ModelSpec model = TrainingThroughputBenchmark.model(parts[0]);
        batches = TrainingThroughputBenchmark.batches(Integer.parseInt(parts[1]));
        trainer = TrainingThroughputBenchmark.openTrainer(new CpuJavaBackendProvider(), model, 2);
        if (penalty.equals("on")) {
            trainer.setPenalty(TrainingThroughputBenchmark.zeroTargets(model), TrainingThroughputBenchmark.PENALTY);
        }
    }

    @Benchmark
    public double step() {
        Batch batch = batches.get(next);
        next = (next + 1) % batches.size();
        return trainer.step(batch, TrainingThroughputBenchmark.RATE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
    }
}
