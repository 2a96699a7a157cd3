package io.github.lc4j.api.spi;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;

/**
 * The evaluator protocol, written once: the model check at construction, the lifecycle (load
 * before use, nothing after close), argument checks with the same messages on every backend,
 * and error counting. A backend supplies the primitives: write parameters to its device, run a
 * batch forward, release its resources.
 */
public abstract class BaseEvaluator implements Evaluator {
    private final String backendName;
    private final ModelSpec model;
    private boolean loaded;
    private boolean closed;

    /**
     * Checks that {@code backend} supports every node of {@code model}.
     *
     * @throws UnsupportedOperationException naming the first unsupported node and the backend
     */
    protected BaseEvaluator(Backend backend, ModelSpec model) {
        requireNonNull(backend, "backend is null");
        this.model = requireNonNull(model, "model is null");
        backend.checkSupports(model);
        this.backendName = backend.name();
    }

    @Override
    public final ModelSpec model() {
        return model;
    }

    @Override
    public final void load(Weights weights) {
        checkOpen();
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
        loadChecked(weights);
        loaded = true;
    }

    /** Loads weights already checked against the model; a trainer also resets its momentum here. */
    protected void loadChecked(Weights weights) {
        writeParameters(weights);
    }

    @Override
    public final Evaluation evaluate(Batch batch) {
        checkReady();
        batch.checkFits(model);
        int[] predictions = new int[batch.size()];
        double meanLoss = forward(batch, predictions);
        int errors = 0;
        for (int row = 0; row < batch.size(); row++) {
            errors += predictions[row] != batch.labels()[row] ? 1 : 0;
        }
        return new Evaluation(meanLoss, errors, batch.size());
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            release();
        }
    }

    /** Returns the name of the backend this runs on. */
    protected final String backendName() {
        return backendName;
    }

    /** Throws {@link IllegalStateException} naming the backend when closed. */
    protected final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this " + backendName + " " + kind() + " is closed");
        }
    }

    /** Throws {@link IllegalStateException} when closed or when no weights were loaded yet. */
    protected final void checkReady() {
        checkOpen();
        if (!loaded) {
            throw new IllegalStateException("load weights before training or evaluating: call load(weights) first");
        }
    }

    String kind() {
        return "evaluator";
    }

    // ----------------------------------------------------------------------------- primitives

    /** Writes every parameter of {@code weights} (checked against the model) to the device. */
    protected abstract void writeParameters(Weights weights);

    /**
     * Runs {@code batch} (checked against the model) forward at the current weights in inference
     * mode: batch normalization reads its running statistics and changes nothing.
     *
     * @param predictions receives, per sample, the arg-max of the class scores (ties to the lowest index)
     * @return the mean softmax cross-entropy of the batch
     */
    protected abstract double forward(Batch batch, int[] predictions);

    /** Releases the device resources; called once. */
    protected abstract void release();
}
