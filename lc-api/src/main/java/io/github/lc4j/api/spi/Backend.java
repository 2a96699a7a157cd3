package io.github.lc4j.api.spi;

import io.github.lc4j.api.ModelSpec;
import java.util.Optional;
import java.util.Set;

/**
 * A compute engine that trains nets (the L step), evaluates them, and runs the C step's
 * per-weight kernels. Created by its {@link BackendProvider}; used by lc-core.
 */
public interface Backend {

    /** Returns the backend's name, equal to its provider's. */
    String name();

    /** Returns the optional features this backend supports. */
    Set<Capability> capabilities();

    /**
     * Returns a new trainer for {@code model}, with weights not yet loaded. Threads come from the
     * {@link BackendConfig} the backend was created with.
     *
     * @throws UnsupportedOperationException naming the layer and the backend when the model needs
     *                                       a capability this backend lacks
     */
    Trainer newTrainer(ModelSpec model, TrainerOptions options);

    /**
     * Returns a new inference-only evaluator for {@code model}, with weights not yet loaded. The
     * default is a plain-SGD trainer; backends that can build a cheaper forward-only net override it.
     *
     * @throws UnsupportedOperationException naming the layer and the backend when the model needs
     *                                       a capability this backend lacks
     */
    default Evaluator newEvaluator(ModelSpec model) {
        return newTrainer(model, TrainerOptions.plainSgd());
    }

    /** Returns the C-step kernels; the default is the pure-Java reference implementation. */
    default CStepKernels cStepKernels() {
        return CStepKernels.DEFAULT;
    }

    /**
     * Throws {@link UnsupportedOperationException} naming the first node of {@code model} that
     * needs a capability this backend does not declare, its op, and the backend.
     */
    default void checkSupports(ModelSpec model) {
        for (ModelSpec.Step step : model.steps()) {
            Optional<Capability> needed = Capability.neededBy(step);
            if (needed.isPresent() && !capabilities().contains(needed.get())) {
                throw new UnsupportedOperationException("backend " + name() + " does not support node "
                        + step.name() + " (" + step.op() + ") of model " + model.name() + ": it needs capability "
                        + needed.get() + "; choose a backend that declares it (see 'lc4j backends')");
            }
        }
    }
}
