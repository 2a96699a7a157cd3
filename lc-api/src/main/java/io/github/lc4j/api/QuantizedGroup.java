package io.github.lc4j.api;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The quantization Θ of one compression task: the effective codebook values (after any scale),
 * the scale (NaN unless the codebook is scaled) and each parameter's assignments.
 *
 * @param task        the task name
 * @param codebook    the codebook family that was solved
 * @param values      the K effective values, sorted (copied)
 * @param scale       the learned scale a, or NaN
 * @param assignments per parameter, the index into {@code values} of each weight (copied)
 */
public record QuantizedGroup(
        String task, Codebook codebook, float[] values, double scale, Map<String, int[]> assignments) {

    /** Checks and copies. */
    public QuantizedGroup {
        requireNonNull(task, "task is null");
        requireNonNull(codebook, "codebook is null");
        values = requireNonNull(values, "values is null").clone();
        Map<String, int[]> copies = new LinkedHashMap<>();
        requireNonNull(assignments, "assignments is null").forEach((name, array) -> copies.put(name, array.clone()));
        assignments = java.util.Collections.unmodifiableMap(copies);
    }

    /** Returns a copy of the effective codebook values. */
    @Override
    public float[] values() {
        return values.clone();
    }

    /** Returns a copy of the assignments of {@code parameter}. */
    public int[] assignmentsOf(String parameter) {
        int[] array = assignments.get(parameter);
        if (array == null) {
            throw new InvalidInputException("task " + task + " has no parameter " + parameter);
        }
        return array.clone();
    }

    /** Returns the number of quantized weights in the group. */
    public long weightCount() {
        long count = 0;
        for (int[] array : assignments.values()) {
            count += array.length;
        }
        return count;
    }
}
