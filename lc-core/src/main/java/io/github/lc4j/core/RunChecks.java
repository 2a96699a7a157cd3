package io.github.lc4j.core;

import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Lc4jException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/** The checks that training and LC runs share: data against the model, divergence. */
final class RunChecks {
    private RunChecks() {}

    /**
     * Checks that {@code data} fits {@code model}: sample size and label range.
     *
     * @throws InvalidInputException naming the mismatch
     */
    static void checkDataFits(ModelSpec model, TrainTestSplit data) {
        checkDataFits(model, TrainingSet.of(data.train()), data.test());
    }

    /** Checks that {@code training} and {@code test} fit {@code model}, as the other form does. */
    static void checkDataFits(ModelSpec model, TrainingSet training, Dataset test) {
        if (training.sampleSize() != model.inputSize() || test.sampleSize() != model.inputSize()) {
            throw new InvalidInputException("data samples have " + training.sampleSize() + " (training) and "
                    + test.sampleSize() + " (test) values but model " + model.name() + " expects "
                    + model.inputSize());
        }
        int classes = Math.max(training.classCount(), test.classCount());
        if (classes > model.classCount()) {
            throw new InvalidInputException("data has labels up to " + (classes - 1) + " but model " + model.name()
                    + " has only " + model.classCount() + " outputs");
        }
    }

    /**
     * Throws naming the parameter (and index within it) of the first non-finite C-step input of
     * {@code task}, whose concatenated parameters start at {@code offsets}.
     */
    static void checkFiniteInput(CompressionTask task, int[] offsets, float[] x) {
        for (int p = 0; p < task.parameters().size(); p++) {
            for (int i = offsets[p]; i < offsets[p + 1]; i++) {
                if (!Float.isFinite(x[i])) {
                    throw new InvalidInputException(
                            "parameter " + task.parameters().get(p) + " (task " + task.name()
                                    + ") has a non-finite C-step input " + x[i] + " at index " + (i - offsets[p])
                                    + "; the L step diverged: lower the learning rate or μ0");
                }
            }
        }
    }

    /** Throws {@link Lc4jException} naming {@code where} when {@code loss} is not finite. */
    static void checkFiniteLoss(double loss, String where, double learningRate) {
        if (!Double.isFinite(loss)) {
            throw new Lc4jException(where + " diverged: the loss became " + loss + " at learning rate " + learningRate
                    + "; lower the learning rate or μ0");
        }
    }

    /**
     * Throws {@link CancellationException} naming {@code where} when {@code stopRequested} is
     * true: the run ends at the next minibatch, and its trainers close on the way out.
     */
    static void checkNotStopped(BooleanSupplier stopRequested, String where) {
        if (stopRequested.getAsBoolean()) {
            throw new CancellationException("run cancelled during " + where);
        }
    }
}
