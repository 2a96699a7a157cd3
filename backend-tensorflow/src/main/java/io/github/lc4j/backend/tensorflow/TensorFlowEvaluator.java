package io.github.lc4j.backend.tensorflow;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BaseEvaluator;
import io.github.lc4j.api.spi.Batch;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Inference only: {@link TensorFlowNet}'s inference-mode forward graph (batch normalization on its
 * running statistics), with no training pass and no gradient, momentum or penalty ops.
 */
final class TensorFlowEvaluator extends BaseEvaluator {
    private final TensorFlowNet net;

    TensorFlowEvaluator(Backend backend, ModelSpec model, String device, int threads) {
        super(backend, model);
        net = new TensorFlowNet(model, device, false);
        try {
            net.open(threads);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** Returns the types of the graph's operations: the test that no gradient ops were built reads them. */
    Set<String> operationTypes() {
        Set<String> types = new TreeSet<>();
        net.graph.operations().forEachRemaining(operation -> types.add(operation.type()));
        return types;
    }

    @Override
    protected void writeParameters(Weights weights) {
        net.write(weights, List.of());
    }

    @Override
    protected double forward(Batch batch, int[] predictions) {
        return net.forward(batch, predictions);
    }

    @Override
    protected void release() {
        net.close();
    }
}
