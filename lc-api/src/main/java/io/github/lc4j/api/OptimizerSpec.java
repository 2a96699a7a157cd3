package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static io.github.lc4j.api.support.Checks.checkAtLeast;
import static io.github.lc4j.api.support.Checks.checkNonNegative;
import static io.github.lc4j.api.support.Checks.checkPositive;

/**
 * SGD settings for training and for each L step: learning rate lr_k = lr0 · decay^k in LC
 * iteration k (or epoch k for plain training), momentum (optionally Nesterov), batch size and
 * the number of epochs per L step (the first L step may be longer).
 */
public final class OptimizerSpec {
    private final double learningRate;
    private final double learningRateDecay;
    private final double momentum;
    private final boolean nesterov;
    private final int batchSize;
    private final int epochsPerStep;
    private final int firstStepEpochs;

    private OptimizerSpec(Builder builder) {
        this.learningRate = builder.learningRate;
        this.learningRateDecay = builder.learningRateDecay;
        this.momentum = builder.momentum;
        this.nesterov = builder.nesterov;
        this.batchSize = builder.batchSize;
        this.epochsPerStep = builder.epochsPerStep;
        this.firstStepEpochs = builder.firstStepEpochs == 0 ? builder.epochsPerStep : builder.firstStepEpochs;
    }

    /** Returns a builder with the defaults of the authors' LeNet300 runs. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the learning rate of iteration {@code k}: lr0 · decay^k. */
    public double learningRate(int k) {
        return learningRate * Math.pow(learningRateDecay, k);
    }

    /** Returns lr0. */
    public double initialLearningRate() {
        return learningRate;
    }

    /** Returns the per-iteration decay factor of the learning rate. */
    public double learningRateDecay() {
        return learningRateDecay;
    }

    /** Returns the momentum coefficient in [0, 1). */
    public double momentum() {
        return momentum;
    }

    /** Returns whether the momentum is Nesterov's. */
    public boolean nesterov() {
        return nesterov;
    }

    /** Returns the minibatch size. */
    public int batchSize() {
        return batchSize;
    }

    /** Returns the number of epochs in L step {@code k} (0-based). */
    public int epochs(int k) {
        return k == 0 ? firstStepEpochs : epochsPerStep;
    }

    /** Returns a builder holding this spec's values. */
    public Builder toBuilder() {
        return new Builder()
                .optLearningRate(learningRate)
                .optLearningRateDecay(learningRateDecay)
                .optMomentum(momentum)
                .optNesterov(nesterov)
                .optBatchSize(batchSize)
                .optEpochsPerStep(epochsPerStep)
                .optFirstStepEpochs(firstStepEpochs);
    }

    /** Describes the SGD settings without the L-step lengths, e.g. for plain training. */
    public String describeSgd() {
        return "SGD(lr=" + learningRate + "·" + learningRateDecay + "^k, momentum=" + momentum
                + (nesterov ? " nesterov" : "") + ", batch=" + batchSize + ")";
    }

    @Override
    public String toString() {
        return describeSgd()
                .replace(
                        ")",
                        ", epochs per L step=" + epochsPerStep
                                + (firstStepEpochs != epochsPerStep ? " (first " + firstStepEpochs + ")" : "") + ")");
    }

    /** Builder; every setter checks its value, {@link #build()} checks the combination. */
    public static final class Builder {
        private double learningRate = 0.1;
        private double learningRateDecay = 0.98;
        private double momentum = 0.9;
        private boolean nesterov = true;
        private int batchSize = 256;
        private int epochsPerStep = 15;
        private int firstStepEpochs;

        private Builder() {}

        /** Sets lr0 (&gt; 0). */
        public Builder optLearningRate(double value) {
            this.learningRate = checkPositive(value, "learning rate");
            return this;
        }

        /** Sets the per-iteration learning-rate decay factor in (0, 1]. */
        public Builder optLearningRateDecay(double value) {
            checkArgument(
                    Double.isFinite(value) && value > 0 && value <= 1,
                    "learning-rate decay must be in (0, 1], got %s",
                    value);
            this.learningRateDecay = value;
            return this;
        }

        /** Sets the momentum coefficient in [0, 1). */
        public Builder optMomentum(double value) {
            checkNonNegative(value, "momentum");
            // trainers update in float: a value within 2^-25 of 1 would become 1, a velocity that never decays
            checkArgument((float) value < 1f, "momentum must be < 1 in float precision, got %s", value);
            this.momentum = value;
            return this;
        }

        /** Chooses Nesterov momentum. */
        public Builder optNesterov(boolean value) {
            this.nesterov = value;
            return this;
        }

        /** Sets the minibatch size (&gt;= 1). */
        public Builder optBatchSize(int value) {
            this.batchSize = checkAtLeast(value, 1, "batch size");
            return this;
        }

        /** Sets the number of epochs per L step (&gt;= 1). */
        public Builder optEpochsPerStep(int value) {
            this.epochsPerStep = checkAtLeast(value, 1, "epochs per L step");
            return this;
        }

        /** Sets the number of epochs of the first L step (&gt;= 1); defaults to epochs per step. */
        public Builder optFirstStepEpochs(int value) {
            this.firstStepEpochs = checkAtLeast(value, 1, "epochs of the first L step");
            return this;
        }

        /** Returns the spec. */
        public OptimizerSpec build() {
            checkArgument(!nesterov || momentum > 0, "Nesterov momentum needs momentum > 0, got %s", momentum);
            return new OptimizerSpec(this);
        }
    }
}
