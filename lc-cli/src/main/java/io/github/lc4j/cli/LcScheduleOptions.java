package io.github.lc4j.cli;

import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.MuSchedule;
import io.github.lc4j.api.TrainingEvaluation;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The μ schedule, the L-step length and the convergence test of an LC run, or a named preset of
 * them; and how often the run evaluates on the training set.
 */
final class LcScheduleOptions {
    @Option(
            names = "--schedule",
            paramLabel = "default|paper",
            description = "A named schedule. paper: the authors' LeNet300 schedule, μ = 9e-5·1.1^j for 40 steps,"
                    + " 20 epochs per L step (the first 40), lr 0.09·0.98^j, Nesterov momentum 0.9, batch 256,"
                    + " all 40 steps (--tolerance 0). It sets only what is not given explicitly; default: the"
                    + " values below. Default: ${DEFAULT-VALUE}.")
    String preset = "default";

    // spelled out: ${DEFAULT-VALUE} would print the double as 1.0E-4
    @Option(names = "--mu0", description = "First penalty parameter μ0 (> 0). Default: 1e-4.")
    double mu0 = LcOptions.DEFAULT_MU_SCHEDULE.mu0();

    @Option(names = "--mu-factor", description = "μ grows by this factor per step (> 1). Default: ${DEFAULT-VALUE}.")
    double muFactor = LcOptions.DEFAULT_MU_SCHEDULE.factor();

    @Option(
            names = "--mu-steps",
            description = "Number of μ values: the iteration cap of a run that stops when converged (see"
                    + " --tolerance), every iteration of one that does not. Default: ${DEFAULT-VALUE}.")
    int muSteps = LcOptions.DEFAULT_MU_SCHEDULE.steps();

    @Option(names = "--mu-repeats", description = "LC iterations per μ value. Default: ${DEFAULT-VALUE}.")
    int muRepeats = LcOptions.DEFAULT_MU_SCHEDULE.repeats();

    @Option(names = "--epochs-per-step", description = "Epochs per L step. Default: ${DEFAULT-VALUE}.")
    int epochsPerStep = 3;

    @Option(names = "--first-step-epochs", description = "Epochs of the first L step. Default: --epochs-per-step.")
    Integer firstStepEpochs;

    @Option(
            names = "--tolerance",
            description = "LC (lc, qp) stops after the first iteration with ‖w − Δ(Θ)‖ ≤ tolerance·‖w‖ in which no"
                    + " weight changed its codebook entry; 0 runs all --mu-steps (the baselines always do)."
                    + " Default: ${DEFAULT-VALUE}.")
    double tolerance = LcOptions.DEFAULT_CONVERGENCE_TOLERANCE;

    @Option(
            names = "--train-evaluation",
            paramLabel = "every|sample:N|end|never",
            description = "When the quantized net is evaluated on the training set: every: all samples after every"
                    + " iteration; sample:N: the same N random samples after every iteration; end: all samples, for"
                    + " the final net only; never. The test set is evaluated in full after every iteration."
                    + " Default: ${DEFAULT-VALUE}.")
    String trainEvaluation = "every";

    /** Returns {@code --train-evaluation} parsed, or an error naming the option and what it takes. */
    TrainingEvaluation trainingEvaluation() {
        try {
            return TrainingEvaluation.parse(trainEvaluation);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--train-evaluation: " + e.getMessage(), e);
        }
    }

    MuSchedule schedule() {
        return new MuSchedule(mu0, muFactor, muSteps, muRepeats);
    }

    /**
     * Applies the preset named by {@code --schedule} to every schedule and SGD setting the user did
     * not give, on the command line or in a config file.
     *
     * @throws IllegalArgumentException for an unknown preset name
     */
    void applyPreset(CommandSpec command, SgdOptions sgd) {
        String name = preset.strip().toLowerCase(Locale.ROOT);
        switch (name) {
            case "default" -> {}
            case "paper" -> {
                set(command, "--mu0", () -> mu0 = 9e-5);
                set(command, "--mu-factor", () -> muFactor = 1.1);
                set(command, "--mu-steps", () -> muSteps = 40);
                set(command, "--mu-repeats", () -> muRepeats = 1);
                set(command, "--epochs-per-step", () -> epochsPerStep = 20);
                set(command, "--first-step-epochs", () -> firstStepEpochs = 40);
                set(command, "--tolerance", () -> tolerance = 0);
                set(command, "--lr", () -> sgd.learningRate = 0.09);
                set(command, "--lr-decay", () -> sgd.learningRateDecay = 0.98);
                set(command, "--momentum", () -> sgd.momentum = 0.9);
                set(command, "--nesterov", () -> sgd.nesterov = true);
                set(command, "--batch", () -> sgd.batchSize = 256);
            }
            default ->
                throw new IllegalArgumentException("--schedule must be 'default' or 'paper', got '" + preset + "'");
        }
    }

    /**
     * Runs {@code apply} unless option {@code name} was given on the command line or in a config
     * file; a command without the option (demo has no SGD options) takes the preset's value.
     */
    private static void set(CommandSpec command, String name, Runnable apply) {
        OptionSpec option = command.findOption(name);
        if (option == null) {
            apply.run();
            return;
        }
        boolean onCommandLine = command.commandLine().getParseResult().hasMatchedOption(option);
        var provider = command.defaultValueProvider();
        boolean inConfig;
        try {
            inConfig = provider != null && provider.defaultValue(option) != null;
        } catch (Exception e) {
            // RunConfig reads and checks its file before any command runs; nothing is left to fail here
            throw new IllegalStateException("cannot read the config value of " + name, e);
        }
        if (!onCommandLine && !inConfig) {
            apply.run();
        }
    }
}
