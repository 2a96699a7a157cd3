package io.github.lc4j.examples;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.CompressionRequest;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.zoo.ModelZoo;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.TrainingRequest;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The README's Java example, compiled: the README's code block is checked against the lines
 * between the snippet markers below, so the two cannot drift apart.
 */
public final class QuickStart {
    private QuickStart() {}

    /**
     * Trains LeNet300 for {@code epochs} epochs, quantizes it to 1 bit per weight with LC and writes
     * the quantized weights to {@code output}.
     *
     * @param epochs reference training epochs (the README uses 15)
     * @param listener progress listener
     * @param output where the quantized weights go, as {@code .npz}
     * @return the LC result
     */
    public static LcResult run(int epochs, LcListener listener, Path output) {
        // README snippet start
        ModelSpec model = ModelZoo.lenet300Tanh();
        TrainTestSplit data = DataSets.embeddedFashionMnist();
        Lc4j lc4j = Lc4j.builder().backend("cpu-java").threads(2).build(); // or Lc4j.create(): classpath default
        Weights reference = lc4j.train(TrainingRequest.builder()
                .model(model)
                .data(data)
                .optimizer(OptimizerSpec.builder().optBatchSize(128).build())
                .epochs(epochs)
                .build());
        CompressionRequest request = CompressionRequest.builder()
                .model(model)
                .reference(reference)
                .data(data)
                .codebook(Codebook.adaptive(2)) // one 1-bit codebook per layer
                .schedule(MuSchedule.exponential(1e-4, 1.8, 30)) // at most 30 μ values; stops once converged
                .optimizer(OptimizerSpec.builder()
                        .optLearningRate(0.05)
                        .optBatchSize(128)
                        .optEpochsPerStep(3)
                        .build())
                .listener(listener)
                .build();
        CompletableFuture<LcResult> running = lc4j.compressAsync(request); // running.cancel(true) stops it
        LcResult result = running.join(); // or lc4j.compress(request), blocking
        result.quantized(); // weights with every compressed parameter exactly on its codebook
        result.groups(); // Θ: codebook values, scale and assignments per compression task
        result.history(); // one IterationRecord per iteration, starting with DC
        result.stop(); // CONVERGED, or ITERATION_CAP when the schedule ended first
        Lc4j.writeWeights(output, model, result.quantized()); // float32 .npz, atomically
        // README snippet end
        return result;
    }
}
