package io.github.lc4j.spark;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Node;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.spi.TrainerOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What every executor task of a run needs besides its shard and the step's numbers: the model (its
 * nodes, which are serializable values), the backend to train on, the update rule and the
 * minibatch order. Broadcast once per learner.
 */
final class Job implements Serializable {
    private static final long serialVersionUID = 2L;

    final String modelName;
    final int[] inputShape;
    final List<Node> nodes;
    final String backend;
    final int threads;
    final double momentum;
    final boolean nesterov;
    final int batchSize;
    final long seed;
    final int trainingSize;
    final SparkOptions options;
    /** What an executor's pooled trainer must agree on: backend, threads, model and update rule. */
    final String trainerKey;

    private transient ModelSpec model;

    Job(ModelSpec model, OptimizerSpec optimizer, long seed, int trainingSize, SparkOptions options) {
        this.modelName = model.name();
        this.inputShape = model.inputShape();
        this.nodes = new ArrayList<>(model.nodes());
        this.backend = options.executorBackend();
        this.threads = options.executorThreads();
        this.momentum = optimizer.momentum();
        this.nesterov = optimizer.nesterov();
        this.batchSize = optimizer.batchSize();
        this.seed = seed;
        this.trainingSize = trainingSize;
        this.options = options;
        this.model = model;
        this.trainerKey = backend + "/" + threads + "/" + modelName + Arrays.toString(inputShape) + nodes + "/"
                + momentum + "/" + nesterov;
    }

    /** Returns the model, compiled once per JVM from its nodes. */
    ModelSpec model() {
        if (model == null) {
            model = ModelSpec.graph(modelName, inputShape, nodes);
        }
        return model;
    }

    TrainerOptions update() {
        return new TrainerOptions(momentum, nesterov);
    }
}
