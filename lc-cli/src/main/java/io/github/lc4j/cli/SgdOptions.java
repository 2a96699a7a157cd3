package io.github.lc4j.cli;

import io.github.lc4j.api.OptimizerSpec;
import picocli.CommandLine.Option;

/** SGD options shared by training and the L steps. */
final class SgdOptions {
    @Option(names = "--lr", description = "Initial learning rate. Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(
            names = "--lr-decay",
            description = "Learning rate factor per epoch (train) or LC iteration (compress)."
                    + " Default: ${DEFAULT-VALUE}.")
    double learningRateDecay;

    @Option(names = "--batch", description = "Minibatch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--momentum", description = "Momentum coefficient in [0, 1). Default: ${DEFAULT-VALUE}.")
    double momentum = 0.9;

    @Option(
            names = "--nesterov",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Use Nesterov momentum (--no-nesterov for heavy-ball). Default: ${DEFAULT-VALUE}.")
    boolean nesterov = true;

    SgdOptions(double learningRate, double learningRateDecay, int batchSize) {
        this.learningRate = learningRate;
        this.learningRateDecay = learningRateDecay;
        this.batchSize = batchSize;
    }

    OptimizerSpec.Builder builder() {
        return OptimizerSpec.builder()
                .optLearningRate(learningRate)
                .optLearningRateDecay(learningRateDecay)
                .optBatchSize(batchSize)
                .optMomentum(momentum)
                .optNesterov(nesterov && momentum > 0);
    }
}
