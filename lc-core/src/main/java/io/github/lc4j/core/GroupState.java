package io.github.lc4j.core;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.QuantizedGroup;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.core.cstep.BitAllocation;
import io.github.lc4j.core.cstep.CStepSolution;
import io.github.lc4j.core.cstep.CStepSolver;
import io.github.lc4j.core.io.Checkpoint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of one compression group: concatenated w, λ, Θ and Δ(Θ). A group whose codebook is a
 * {@link Codebook.Choice} solves its C step for every candidate; the run then picks one
 * ({@link #choose}) for all groups together, under the bit budget.
 */
final class GroupState {
    final CompressionTask task;
    /** The codebooks this group may take: the choice's candidates, or the task's codebook alone. */
    final List<Codebook> candidates;
    /** Whether the task's codebook is a {@link Codebook.Choice}, which the run's bit budget governs. */
    final boolean chooses;
    /** The bits each candidate stores for this group's weights: fixed for the run. */
    private final long[] candidateBits;

    private final List<CStepSolver> solvers;
    final int[] offsets;
    /** For a channel task: the channel's flat positions in its parameter; else null. */
    final int[] positions;

    final int[] parameterSizes;
    final float[] weights;
    final float[] multipliers;
    float[] quantized;
    CStepSolution solution;
    /** The index into {@link #candidates} of {@link #solution}. */
    int chosen;
    /** Each candidate's solution at the last C step (null where none yet): its warm start. */
    private final CStepSolution[] candidateSolutions;
    /** The assignments at the previous report, to count how many changed since (null before DC's). */
    private int[] reportedAssignments;
    /** The candidate chosen at the previous report. */
    private int reportedChoice;

    GroupState(CompressionTask task, ModelSpec model, List<CStepSolver> solvers) {
        this.task = task;
        this.candidates = candidatesOf(task.codebook());
        this.solvers = List.copyOf(solvers);
        if (this.solvers.size() != candidates.size()) {
            throw new IllegalArgumentException(
                    solvers.size() + " solvers for the " + candidates.size() + " candidates of " + task.name());
        }
        this.candidateSolutions = new CStepSolution[candidates.size()];
        this.chooses = task.codebook() instanceof Codebook.Choice;
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
        candidateBits = candidates.stream()
                .mapToLong(candidate -> candidate.storageBits(weights.length))
                .toArray();
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

    /** The codebooks a group with {@code codebook} may take. */
    static List<Codebook> candidatesOf(Codebook codebook) {
        return codebook instanceof Codebook.Choice choice ? choice.candidates() : List.of(codebook);
    }

    /**
     * Θ_c = Π_c(w) for every candidate c: the C step on the weights themselves (DC; iDC
     * warm-started); {@link #choose} follows.
     */
    void quantize(Weights current) {
        gather(current);
        solveCandidates(weights);
    }

    /**
     * Θ ≈ Π(w) improved locally from the previous Θ, for the chosen candidate only: STE's C step
     * after every minibatch keeps the choice its last full C step made.
     */
    void refine(Weights current) {
        gather(current);
        RunChecks.checkFiniteInput(task, offsets, weights);
        candidateSolutions[chosen] = solvers.get(chosen).refine(weights, solution);
        choose(chosen);
    }

    /** Θ_c = Π_c(w − λ/μ) for every candidate c; {@link #choose}, then {@link #updateMultipliers}, follow. */
    void compressionStep(Weights current, double mu, CStepKernels kernels) {
        gather(current);
        float[] shifted = new float[weights.length];
        kernels.shiftedWeights(weights, multipliers, mu, shifted);
        solveCandidates(shifted);
    }

    /** λ ← λ − μ(w − Δ(Θ)) in augmented-Lagrangian mode, after the choice. */
    void updateMultipliers(double mu, CompressionMethod mode, CStepKernels kernels) {
        if (mode == CompressionMethod.AUGMENTED_LAGRANGIAN) {
            kernels.updateMultipliers(multipliers, weights, quantized, mu);
        }
    }

    private void solveCandidates(float[] x) {
        RunChecks.checkFiniteInput(task, offsets, x);
        for (int c = 0; c < candidates.size(); c++) {
            candidateSolutions[c] = solvers.get(c).solve(x, candidateSolutions[c]);
        }
    }

    /** Each candidate's distortion at the last C step and the bits it stores. */
    BitAllocation.Candidates costs() {
        double[] distortions = new double[candidates.size()];
        for (int c = 0; c < candidates.size(); c++) {
            distortions[c] = candidateSolutions[c].distortion();
        }
        return new BitAllocation.Candidates(distortions, candidateBits.clone());
    }

    /** The bits each candidate stores, at distortion 0: enough to tell whether a budget can be met. */
    BitAllocation.Candidates bitsOnly() {
        return new BitAllocation.Candidates(new double[candidateBits.length], candidateBits.clone());
    }

    /** Takes candidate c's solution of the last C step as Θ. */
    void choose(int candidate) {
        chosen = candidate;
        solution = candidateSolutions[candidate];
        quantized = solution.reconstruction();
    }

    /** The task with the codebook it chose. */
    CompressionTask chosenTask() {
        return task.withCodebook(candidates.get(chosen));
    }

    Checkpoint.Group checkpoint() {
        return new Checkpoint.Group(
                task.name(),
                multipliers.clone(),
                solution.values().clone(),
                solution.scale(),
                solution.assignments().clone(),
                solution.reconstruction().clone(),
                solution.distortion(),
                candidates.get(chosen).describe());
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
        int candidate = saved.codebook() == null ? 0 : indexOf(saved.codebook());
        candidateSolutions[candidate] = new CStepSolution(
                saved.values().clone(),
                saved.scale(),
                saved.assignments().clone(),
                saved.reconstruction().clone(),
                saved.distortion());
        choose(candidate);
        // LC and iDC checkpoint the C step of the last report; STE, which quantizes after every
        // minibatch, counts a resumed iteration's changes from its checkpoint's assignments
        reportedAssignments = solution.assignments().clone();
        reportedChoice = chosen;
    }

    private int indexOf(String codebook) {
        for (int c = 0; c < candidates.size(); c++) {
            if (candidates.get(c).describe().equals(codebook)) {
                return c;
            }
        }
        throw new InvalidInputException("the checkpoint's group " + task.name() + " chose codebook " + codebook
                + ", which is not among this run's candidates "
                + task.codebook().describe());
    }

    /**
     * Returns how many assignments changed since the previous call (−1 at the first; every one
     * when the group chose another codebook) and remembers the current ones.
     */
    long assignmentChangesSinceLastReport() {
        int[] current = solution.assignments();
        long changes = -1;
        if (reportedAssignments != null && reportedChoice != chosen) {
            changes = current.length;
        } else if (reportedAssignments != null) {
            changes = 0;
            for (int i = 0; i < current.length; i++) {
                if (current[i] != reportedAssignments[i]) {
                    changes++;
                }
            }
        }
        reportedAssignments = current.clone();
        reportedChoice = chosen;
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
        return new QuantizedGroup(
                task.name(), candidates.get(chosen), solution.values(), solution.scale(), assignments);
    }
}
