package io.github.lc4j.spark;

import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.OptimizerSpec;
import io.github.lc4j.api.spi.TrainerOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What every executor task of a run needs besides its shard and the step's numbers: the model (its
 * layers as plain values, since the API's types are not serializable), the backend to train on,
 * the update rule and the minibatch order. Broadcast once per learner.
 */
final class Job implements Serializable {
    private static final long serialVersionUID = 1L;

    final String modelName;
    final int[] inputShape;
    final List<Object[]> layers;
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
        this.layers = new ArrayList<>();
        for (Layer layer : model.layers()) {
            layers.add(encode(layer));
        }
        this.backend = options.executorBackend();
        this.threads = options.executorThreads();
        this.momentum = optimizer.momentum();
        this.nesterov = optimizer.nesterov();
        this.batchSize = optimizer.batchSize();
        this.seed = seed;
        this.trainingSize = trainingSize;
        this.options = options;
        this.model = model;
        this.trainerKey = backend + "/" + threads + "/" + modelName + Arrays.toString(inputShape)
                + layers.stream().map(Arrays::toString).toList() + "/" + momentum + "/" + nesterov;
    }

    /** Returns the model, rebuilt once per JVM from its plain description. */
    ModelSpec model() {
        if (model == null) {
            List<Layer> decoded = new ArrayList<>();
            for (Object[] layer : layers) {
                decoded.add(decode(layer));
            }
            model = ModelSpec.of(modelName, inputShape, decoded);
        }
        return model;
    }

    TrainerOptions update() {
        return new TrainerOptions(momentum, nesterov);
    }

    private static Object[] encode(Layer layer) {
        return layer.accept(new Layer.Visitor<Object[]>() {
            @Override
            public Object[] dense(Layer.Dense dense) {
                return new Object[] {"dense", dense.name(), dense.units()};
            }

            @Override
            public Object[] conv2d(Layer.Conv2d conv) {
                return new Object[] {
                    "conv2d", conv.name(), conv.filters(), conv.kernelSize(), conv.stride(), conv.padding()
                };
            }

            @Override
            public Object[] maxPool2d(Layer.MaxPool2d pool) {
                return new Object[] {"maxPool2d", pool.size(), pool.stride()};
            }

            @Override
            public Object[] relu(Layer.Relu relu) {
                return new Object[] {"relu"};
            }

            @Override
            public Object[] tanh(Layer.Tanh tanh) {
                return new Object[] {"tanh"};
            }

            @Override
            public Object[] flatten(Layer.Flatten flatten) {
                return new Object[] {"flatten"};
            }
        });
    }

    private static Layer decode(Object[] fields) {
        return switch ((String) fields[0]) {
            case "dense" -> new Layer.Dense((String) fields[1], (Integer) fields[2]);
            case "conv2d" ->
                new Layer.Conv2d(
                        (String) fields[1], (Integer) fields[2], (Integer) fields[3], (Integer) fields[4], (Integer)
                                fields[5]);
            case "maxPool2d" -> new Layer.MaxPool2d((Integer) fields[1], (Integer) fields[2]);
            case "relu" -> new Layer.Relu();
            case "tanh" -> new Layer.Tanh();
            case "flatten" -> new Layer.Flatten();
            default -> throw new IllegalStateException("unknown layer kind " + fields[0]);
        };
    }
}
