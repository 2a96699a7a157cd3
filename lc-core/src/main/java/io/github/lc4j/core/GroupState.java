package io.github.lc4j.core;

import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.QuantizedGroup;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.core.cstep.CStepSolution;
import io.github.lc4j.core.cstep.CStepSolver;
import io.github.lc4j.core.io.Checkpoint;
import java.util.LinkedHashMap;
import java.util.Map;

/** The state of one compression group: concatenated w, λ, Θ and Δ(Θ). */
final class GroupState {
    final CompressionTask task;
    final CStepSolver solver;
    final int[] offsets;
    /** For a channel task: the channel's flat positions in its parameter; else null. */
    final int[] positions;

    final int[] parameterSizes;
    final float[] weights;
    final float[] multipliers;
    float[] quantized;
    CStepSolution solution;
    /** The assignments at the previous report, to count how many changed since (null before DC's). */
    private int[] reportedAssignments;

    GroupState(CompressionTask task, ModelSpec model, CStepSolver solver) {
        this.task = task;
        this.solver = solver;
        positions =
                task.isChannel() ? model.parameter(task.parameters().get(0)).channelPositions(task.channel()) : null;
        offsets = new int[task.parameters().size() + 1];
        parameterSizes = new int[task.parameters().size()];
        for (int p = 0; p < task.parameters().size(); p++) {
            parameterSizes[p] = model.parameter(task.parameters().get(p)).size();
            offsets[p + 1] = offsets[p] + (positions != null ? positions.length : parameterSizes[p]);
        }
        weights = new float[offsets[offsets.length - 1]];
        multipliers = new float[weights.length];
    }

    void gather(Weights source) {
        if (positions != null) {
            source.copyPositions(task.parameters().get(0), positions, weights, 0);
            return;
        }
        for (int p = 0; p < task.parameters().size(); p++) {
            float[] values = source.get(task.parameters().get(p));
            System.arraycopy(values, 0, weights, offsets[p], values.length);
        }
    }

    /**
     * Writes {@code concatenated} (this task's layout) into {@code destination}'s parameter
     * arrays; a channel task fills its channel of an array it shares with the parameter's other
     * channel tasks ({@link CompressionTask#checkAgainst} makes them cover every channel).
     */
    void split(float[] concatenated, Map<String, float[]> destination) {
        if (positions != null) {
            float[] values =
                    destination.computeIfAbsent(task.parameters().get(0), name -> new float[parameterSizes[0]]);
            for (int i = 0; i < positions.length; i++) {
                values[positions[i]] = concatenated[i];
            }
            return;
        }
        for (int p = 0; p < task.parameters().size(); p++) {
            float[] values = new float[offsets[p + 1] - offsets[p]];
            System.arraycopy(concatenated, offsets[p], values, 0, values.length);
            destination.put(task.parameters().get(p), values);
        }
    }

    void penaltyTargets(double mu, CStepKernels kernels, Map<String, float[]> destination) {
        float[] target = new float[weights.length];
        kernels.penaltyTarget(quantized, multipliers, mu, target);
        split(target, destination);
    }

    /** Θ = Π(w): the C step on the weights themselves (DC; iDC warm-started). */
    void quantize(Weights current) {
        gather(current);
        solve(weights, false);
    }

    /** Θ ≈ Π(w) improved locally from the previous Θ: STE's C step after every minibatch. */
    void refine(Weights current) {
        gather(current);
        solve(weights, true);
    }

    void compressionStep(Weights current, double mu, CompressionMethod mode, CStepKernels kernels) {
        gather(current);
        float[] shifted = new float[weights.length];
        kernels.shiftedWeights(weights, multipliers, mu, shifted);
        solve(shifted, false);
        if (mode == CompressionMethod.AUGMENTED_LAGRANGIAN) {
            kernels.updateMultipliers(multipliers, weights, quantized, mu);
        }
    }

    /** Θ for input x: the full C step, or ({@code locally}) a refinement of the current Θ. */
    private void solve(float[] x, boolean locally) {
        RunChecks.checkFiniteInput(task, offsets, x);
        solution = locally ? solver.refine(x, solution) : solver.solve(x, solution);
        quantized = solution.reconstruction();
    }

    Checkpoint.Group checkpoint() {
        return new Checkpoint.Group(
                task.name(),
                multipliers.clone(),
                solution.values().clone(),
                solution.scale(),
                solution.assignments().clone(),
                solution.reconstruction().clone(),
                solution.distortion());
    }

    /** Takes λ and the C-step solution from {@code saved}, and w from {@code current}. */
    void restore(Checkpoint.Group saved, Weights current) {
        if (!saved.task().equals(task.name()) || saved.multipliers().length != weights.length) {
            throw new InvalidInputException("the checkpoint's group " + saved.task() + " of "
                    + saved.multipliers().length + " weights does not fit task " + task.name() + " of "
                    + weights.length);
        }
        gather(current);
        System.arraycopy(saved.multipliers(), 0, multipliers, 0, multipliers.length);
        solution = new CStepSolution(
                saved.values().clone(),
                saved.scale(),
                saved.assignments().clone(),
                saved.reconstruction().clone(),
                saved.distortion());
        quantized = solution.reconstruction();
        // LC and iDC checkpoint the C step of the last report; STE, which quantizes after every
        // minibatch, counts a resumed iteration's changes from its checkpoint's assignments
        reportedAssignments = solution.assignments().clone();
    }

    /**
     * Returns how many assignments changed since the previous call (−1 at the first) and
     * remembers the current ones.
     */
    long assignmentChangesSinceLastReport() {
        int[] current = solution.assignments();
        long changes = -1;
        if (reportedAssignments != null) {
            changes = 0;
            for (int i = 0; i < current.length; i++) {
                if (current[i] != reportedAssignments[i]) {
                    changes++;
                }
            }
        }
        reportedAssignments = current.clone();
        return changes;
    }

    double weightSquaredNorm() {
        return squaredNorm(weights);
    }

    double multiplierSquaredNorm() {
        return squaredNorm(multipliers);
    }

    private static double squaredNorm(float[] values) {
        double sum = 0;
        for (float value : values) {
            sum += (double) value * value;
        }
        return sum;
    }

    QuantizedGroup result() {
        Map<String, int[]> assignments = new LinkedHashMap<>();
        for (int p = 0; p < task.parameters().size(); p++) {
            int[] slice = new int[offsets[p + 1] - offsets[p]];
            System.arraycopy(solution.assignments(), offsets[p], slice, 0, slice.length);
            assignments.put(task.parameters().get(p), slice);
        }
        return new QuantizedGroup(task.name(), task.codebook(), solution.values(), solution.scale(), assignments);
    }
}
