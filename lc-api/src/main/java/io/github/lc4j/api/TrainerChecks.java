package io.github.lc4j.api;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The argument checks every {@link Trainer} makes, in one place so that all backends reject bad
 * input with the same messages.
 */
public final class TrainerChecks {
    private TrainerChecks() {
    }

    /**
     * Checks that {@code weights} hold every parameter of {@code model} with the right size.
     *
     * @throws InvalidInputException naming the missing or mis-sized parameter
     */
    public static void checkLoadable(ModelSpec model, Weights weights) {
        requireNonNull(weights, "weights is null");
        for (ParameterSpec parameter : model.parameters()) {
            if (!weights.names().contains(parameter.name())) {
                throw new InvalidInputException("weights lack parameter " + parameter.name() + " of model "
                        + model.name() + "; they hold " + weights.names());
            }
            if (weights.size(parameter.name()) != parameter.size()) {
                throw new InvalidInputException("parameter " + parameter + " needs " + parameter.size()
                        + " values, the weights hold " + weights.size(parameter.name()));
            }
        }
    }

    /**
     * Checks penalty targets and μ and returns copies of the targets.
     *
     * @throws InvalidInputException    for an unknown parameter, a size mismatch or a non-finite value
     * @throws IllegalArgumentException for a negative or non-finite μ
     */
    public static Map<String, float[]> checkPenalty(ModelSpec model, Map<String, float[]> targets, double mu) {
        requireNonNull(targets, "targets is null");
        Checks.checkNonNegative(mu, "μ");
        Map<String, float[]> copies = new LinkedHashMap<>();
        targets.forEach((name, target) -> {
            ParameterSpec parameter;
            try {
                parameter = model.parameter(name);
            } catch (InvalidInputException e) {
                throw new InvalidInputException("penalty target for unknown parameter '" + name + "': "
                        + e.getMessage());
            }
            if (target.length != parameter.size()) {
                throw new InvalidInputException("penalty target for " + name + " has " + target.length
                        + " values, the parameter has " + parameter.size());
            }
            Checks.checkFinite(target, "penalty target for " + name);
            copies.put(name, target.clone());
        });
        return copies;
    }

    /** Checks that a learning rate is finite and not negative. */
    public static void checkLearningRate(double learningRate) {
        Checks.checkNonNegative(learningRate, "learning rate");
    }

    /** Throws {@link IllegalStateException} naming {@code backend} when the trainer is closed. */
    public static void checkOpen(String backend, boolean closed) {
        if (closed) {
            throw new IllegalStateException("this " + backend + " trainer is closed");
        }
    }

    /** Throws {@link IllegalStateException} naming {@code backend} when the trainer is closed or not loaded. */
    public static void checkReady(String backend, boolean closed, boolean loaded) {
        checkOpen(backend, closed);
        if (!loaded) {
            throw new IllegalStateException("load weights before training or evaluating: call load(weights) first");
        }
    }
}
