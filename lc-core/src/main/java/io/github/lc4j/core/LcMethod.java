package io.github.lc4j.core;

import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.io.Checkpoint;

/**
 * How a run's iterations go after direct compression: one strategy per {@link CompressionMethod}
 * over the state and operations of {@link LcRun}, which owns everything the methods share
 * (training epochs, checkpoints, C steps, reports).
 */
sealed interface LcMethod {

    /**
     * Runs iterations {@code first} … of {@code run}, {@code current} being the weights after
     * iteration {@code first − 1}; returns the float weights after the last.
     */
    Weights iterate(LcRun run, int first, Weights current);

    /** Returns the strategy of {@code method}. */
    static LcMethod of(CompressionMethod method) {
        return switch (method) {
            case AUGMENTED_LAGRANGIAN, QUADRATIC_PENALTY -> new LearningCompression();
            case ITERATED_DIRECT_COMPRESSION -> new IteratedDirectCompression();
            case STRAIGHT_THROUGH -> new StraightThrough();
            case DIRECT_COMPRESSION -> new DirectCompression();
        };
    }

    /**
     * LC: L step with the penalty toward Δ(Θ) + λ/μ, C step on w − λ/μ, multipliers, for every μ
     * until the run converges ({@link LcOptions#convergenceTolerance}).
     */
    final class LearningCompression implements LcMethod {
        @Override
        public Weights iterate(LcRun run, int first, Weights current) {
            Weights weights = current;
            // a run resumed from the checkpoint of its converged iteration stops there too
            for (int k = first; k < run.iterations && !run.converged(); k++) {
                double mu = run.options.muSchedule().mu(k);
                double learningRate = run.options.optimizer().learningRate(k);
                run.learner.setPenalty(run.penaltyTargets(mu), mu);
                LcRun.Phase lStep = run.lStep(k, mu, learningRate);
                weights = run.learner.snapshot();
                long start = System.nanoTime();
                run.cStep(weights, mu);
                run.report(new LcRun.Step(k + 1, mu, learningRate, lStep, LcRun.millisSince(start)), weights);
                run.checkpoint(Checkpoint.Position.boundary(k + 1));
            }
            run.learner.clearPenalty();
            return weights;
        }
    }

    /**
     * iDC: every iteration trains without penalty from the quantized weights (momentum reset),
     * for as many epochs as LC's L step, then quantizes w again (warm-started).
     */
    final class IteratedDirectCompression implements LcMethod {
        @Override
        public Weights iterate(LcRun run, int first, Weights current) {
            Weights weights = current;
            for (int k = first; k < run.iterations; k++) {
                double learningRate = run.options.optimizer().learningRate(k);
                if (run.pending == null) {
                    // a run resumed inside this training phase has its trainer state from the checkpoint
                    run.learner.load(run.quantizedWeights(weights));
                }
                LcRun.Phase training = run.trainEpochs(
                        k,
                        "iDC training " + (k + 1) + "/" + run.iterations,
                        learningRate,
                        (epoch, batch, maxBatches) -> run.learner.steps(epoch, batch, maxBatches, learningRate));
                weights = run.learner.snapshot();
                long start = System.nanoTime();
                run.quantize(weights);
                run.report(new LcRun.Step(k + 1, 0, learningRate, training, LcRun.millisSince(start)), weights);
                run.checkpoint(Checkpoint.Position.boundary(k + 1));
            }
            return weights;
        }
    }

    /**
     * STE: every step takes the gradient at Δ(Θ) and applies it to the float weights, whose
     * quantization is refreshed (a warm-started C step) after the step; as many epochs as LC.
     */
    final class StraightThrough implements LcMethod {
        @Override
        public Weights iterate(LcRun run, int first, Weights current) {
            // the float weights after the latest step, which that step's C step already read
            Weights[] latest = {run.learner.snapshot()};
            for (int k = first; k < run.iterations; k++) {
                double learningRate = run.options.optimizer().learningRate(k);
                long[] cStepNanos = {0};
                LcRun.Phase training = run.trainEpochs(
                        k, "STE epochs " + (k + 1) + "/" + run.iterations, learningRate, (epoch, batch, maxBatches) -> {
                            double stepLoss = run.learner.straightThroughStep(
                                    epoch, batch, run.quantizedParameters(), learningRate);
                            long cStart = System.nanoTime();
                            latest[0] = run.learner.snapshot();
                            run.refine(latest[0]);
                            cStepNanos[0] += System.nanoTime() - cStart;
                            return new double[] {stepLoss};
                        });
                long cStepMillis = cStepNanos[0] / 1_000_000;
                run.report(new LcRun.Step(k + 1, 0, learningRate, training.less(cStepMillis), cStepMillis), latest[0]);
                run.checkpoint(Checkpoint.Position.boundary(k + 1));
            }
            return latest[0];
        }
    }

    /** DC: the quantization of the reference is the result; no iterations. */
    final class DirectCompression implements LcMethod {
        @Override
        public Weights iterate(LcRun run, int first, Weights current) {
            return current;
        }
    }
}
