package io.github.lc4j.cli;

import io.github.lc4j.api.MuSchedule;
import picocli.CommandLine.Option;

/** The μ schedule and L-step length of an LC run. */
final class LcScheduleOptions {
    @Option(names = "--mu0", description = "First penalty parameter μ0 (> 0). Default: ${DEFAULT-VALUE}.")
    double mu0 = 5e-3;

    @Option(names = "--mu-factor", description = "μ grows by this factor per step (> 1). Default: ${DEFAULT-VALUE}.")
    double muFactor = 1.3;

    @Option(names = "--mu-steps", description = "Number of μ values. Default: ${DEFAULT-VALUE}.")
    int muSteps = 20;

    @Option(names = "--mu-repeats", description = "LC iterations per μ value. Default: ${DEFAULT-VALUE}.")
    int muRepeats = 1;

    @Option(names = "--epochs-per-step", description = "Epochs per L step. Default: ${DEFAULT-VALUE}.")
    int epochsPerStep = 3;

    @Option(names = "--first-step-epochs", description = "Epochs of the first L step. Default: --epochs-per-step.")
    Integer firstStepEpochs;

    MuSchedule schedule() {
        return new MuSchedule(mu0, muFactor, muSteps, muRepeats);
    }
}
