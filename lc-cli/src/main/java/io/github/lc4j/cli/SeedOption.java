package io.github.lc4j.cli;

import picocli.CommandLine.Option;

/** The seed of the commands that train: a mixin of its own, since evaluating needs none. */
final class SeedOption {
    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "1",
            description = "Seed of initial weights, minibatch order and k-means++ seeding. Default: ${DEFAULT-VALUE}.")
    long value;
}
