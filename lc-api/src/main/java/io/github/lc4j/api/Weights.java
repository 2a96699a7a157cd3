package io.github.lc4j.api;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.support.Checks;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Immutable set of named parameter values for one {@link ModelSpec}. Arrays are copied on the
 * way in and on the way out; use {@link #copyInto} to read without allocating.
 */
public final class Weights {
    private final Map<String, float[]> values;

    private Weights(Map<String, float[]> values) {
        this.values = values;
    }

    /**
     * Creates weights for {@code model} from {@code values}, which must hold exactly the model's
     * parameters with the right sizes and finite values.
     *
     * @throws InvalidInputException naming the first missing, extra, mis-sized or non-finite parameter
     */
    public static Weights of(ModelSpec model, Map<String, float[]> values) {
        requireNonNull(model, "model is null");
        requireNonNull(values, "values is null");
        Map<String, float[]> copies = new LinkedHashMap<>();
        for (ParameterSpec spec : model.parameters()) {
            float[] array = values.get(spec.name());
            if (array == null) {
                throw new InvalidInputException("weights for model " + model.name() + " lack parameter " + spec
                        + "; they hold " + values.keySet());
            }
            if (array.length != spec.size()) {
                throw new InvalidInputException(
                        "parameter " + spec + " needs " + spec.size() + " values, got " + array.length);
            }
            Checks.checkFinite(array, "parameter " + spec.name());
            copies.put(spec.name(), array.clone());
        }
        for (String name : values.keySet()) {
            if (!copies.containsKey(name)) {
                throw new InvalidInputException("weights hold parameter '" + name + "' that model " + model.name()
                        + " does not have; it has " + copies.keySet());
            }
        }
        return new Weights(copies);
    }

    /** Returns the parameter names in model order. */
    public Set<String> names() {
        return values.keySet();
    }

    /** Returns a copy of the values of {@code name}. */
    public float[] get(String name) {
        return array(name).clone();
    }

    /** Returns the number of values of {@code name}. */
    public int size(String name) {
        return array(name).length;
    }

    /**
     * Copies the values of {@code name} at {@code positions} into {@code destination}, starting at
     * {@code offset}, without copying the rest.
     */
    public void copyPositions(String name, int[] positions, float[] destination, int offset) {
        float[] source = array(name);
        for (int i = 0; i < positions.length; i++) {
            destination[offset + i] = source[positions[i]];
        }
    }

    /** Copies the values of {@code name} into {@code destination}, which must have the same length. */
    public void copyInto(String name, float[] destination) {
        float[] source = array(name);
        Checks.checkArgument(
                destination.length == source.length,
                "destination for %s has %d values, needs %d",
                name,
                destination.length,
                source.length);
        System.arraycopy(source, 0, destination, 0, source.length);
    }

    /** Returns a copy of all values, in model order. */
    public Map<String, float[]> toMap() {
        Map<String, float[]> copies = new LinkedHashMap<>();
        values.forEach((name, array) -> copies.put(name, array.clone()));
        return copies;
    }

    /** Returns new weights with the parameters in {@code replacements} replaced (sizes must match). */
    public Weights with(Map<String, float[]> replacements) {
        Map<String, float[]> copies = new LinkedHashMap<>(values);
        replacements.forEach((name, array) -> {
            Checks.checkArgument(
                    array.length == array(name).length,
                    "replacement for %s has %d values, needs %d",
                    name,
                    array.length,
                    array(name).length);
            Checks.checkFinite(array, "parameter " + name);
            copies.put(name, array.clone());
        });
        return new Weights(copies);
    }

    /** Returns the names of parameters in this set whose values differ from {@code other}'s. */
    public List<String> differingParameters(Weights other) {
        return values.keySet().stream()
                .filter(name -> !Arrays.equals(values.get(name), other.values.get(name)))
                .toList();
    }

    private float[] array(String name) {
        float[] array = values.get(name);
        if (array == null) {
            throw new InvalidInputException("no parameter '" + name + "'; known parameters are " + values.keySet());
        }
        return array;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Weights that) || !values.keySet().equals(that.values.keySet())) {
            return false;
        }
        return values.keySet().stream().allMatch(name -> Arrays.equals(values.get(name), that.values.get(name)));
    }

    @Override
    public int hashCode() {
        int hash = 0;
        for (Map.Entry<String, float[]> entry : values.entrySet()) {
            hash += entry.getKey().hashCode() ^ Arrays.hashCode(entry.getValue());
        }
        return hash;
    }

    @Override
    public String toString() {
        return "Weights" + values.keySet();
    }
}
