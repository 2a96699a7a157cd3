package io.github.lc4j.backend.nd4j;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.Batch;
import io.github.lc4j.api.Checks;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Trainer;
import io.github.lc4j.api.TrainerChecks;
import io.github.lc4j.api.TrainerOptions;
import io.github.lc4j.api.Weights;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains on ND4J: weights, gradients, momentum and penalty targets stay in ND4J arrays between
 * steps; only batches come in, and weights cross to the host at load, snapshot and setPenalty.
 */
final class Nd4jTrainer implements Trainer {
    private final ModelSpec model;
    private final TrainerOptions options;
    private final Map<String, NdParameter> parameters = new LinkedHashMap<>();
    private final List<NdLayers.NdLayer> layers = new ArrayList<>();
    private final boolean[] needsInputGradient;
    private final INDArray values;
    private final INDArray gradients;
    private final INDArray velocities;
    private final Buffers buffers = new Buffers();
    /** On CUDA an array's host copy is allocated lazily and synchronised by ND4J: batches go in by assign. */
    private final boolean gpu;
    private final List<Penalized> penalized = new ArrayList<>();
    private double mu;
    private boolean loaded;
    private boolean closed;

    Nd4jTrainer(ModelSpec model, TrainerOptions options, boolean gpu) {
        this.gpu = gpu;
        this.model = requireNonNull(model, "model is null");
        this.options = requireNonNull(options, "options is null");
        long total = model.parameterCount();
        values = Nd4j.create(DataType.FLOAT, total);
        gradients = Nd4j.create(DataType.FLOAT, total);
        velocities = Nd4j.create(DataType.FLOAT, total);
        long offset = 0;
        for (ParameterSpec spec : model.parameters()) {
            parameters.put(spec.name(), new NdParameter(spec.name(), spec.shape(), offset, values, gradients));
            offset += spec.size();
        }
        List<int[]> shapes = model.activationShapes();
        int[] inputShape = model.inputShape();
        needsInputGradient = model.inputGradientNeeded();
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            if (layer instanceof Layer.Dense dense) {
                layers.add(new NdLayers.Dense(parameters.get(dense.name() + ".weight"),
                        parameters.get(dense.name() + ".bias"), Checks.elementCount(inputShape)));
            } else if (layer instanceof Layer.Conv2d conv) {
                layers.add(new NdLayers.Conv(parameters.get(conv.name() + ".weight"),
                        parameters.get(conv.name() + ".bias"), inputShape, shapes.get(i), conv.kernelSize(),
                        conv.stride(), conv.padding()));
            } else if (layer instanceof Layer.MaxPool2d pool) {
                layers.add(new NdLayers.MaxPool(inputShape, shapes.get(i), pool.size(), pool.stride()));
            } else if (layer instanceof Layer.Relu) {
                layers.add(new NdLayers.Activation(false));
            } else if (layer instanceof Layer.Tanh) {
                layers.add(new NdLayers.Activation(true));
            } else {
                layers.add(new NdLayers.Flatten());
            }
            inputShape = shapes.get(i);
        }
    }

    @Override
    public ModelSpec model() {
        return model;
    }

    @Override
    public void load(Weights weights) {
        checkOpen();
        TrainerChecks.checkLoadable(model, weights);
        for (NdParameter parameter : parameters.values()) {
            parameter.value.assign(Nd4j.create(weights.get(parameter.name), parameter.value.shape(), 'c'));
        }
        velocities.assign(0);
        loaded = true;
    }

    @Override
    public Weights snapshot() {
        checkReady();
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, host(parameter.value)));
        return Weights.of(model, values);
    }

    static float[] host(INDArray array) {
        return array.dup('c').data().asFloat();
    }

    @Override
    public void setPenalty(Map<String, float[]> targets, double penaltyWeight) {
        checkOpen();
        Map<String, float[]> checked = TrainerChecks.checkPenalty(model, targets, penaltyWeight);
        closePenalty();
        for (NdParameter parameter : parameters.values()) {
            float[] target = checked.get(parameter.name);
            if (target != null) {
                penalized.add(new Penalized(parameter, Nd4j.create(target, parameter.value.shape(), 'c')));
            }
        }
        this.mu = penaltyWeight;
    }

    @Override
    public double step(Batch batch, double learningRate) {
        checkReady();
        TrainerChecks.checkLearningRate(learningRate);
        double loss = computeGradients(batch);
        update(learningRate);
        return loss;
    }

    @Override
    public Map<String, float[]> gradients(Batch batch) {
        checkReady();
        computeGradients(batch);
        Map<String, float[]> gradients = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> gradients.put(name, host(parameter.gradient)));
        return gradients;
    }

    @Override
    public Evaluation evaluate(Batch batch) {
        checkReady();
        batch.checkFits(model);
        List<INDArray> activations = forward(batch);
        INDArray logits = activations.get(activations.size() - 1);
        SoftmaxResult result = softmaxCrossEntropy(logits, batch, false);
        long[] predicted = Nd4j.argMax(logits, 1).toLongVector();
        int errors = 0;
        for (int row = 0; row < batch.size(); row++) {
            errors += predicted[row] != batch.labels()[row] ? 1 : 0;
        }
        return new Evaluation(result.meanLoss, errors, batch.size());
    }

    private double computeGradients(Batch batch) {
        batch.checkFits(model);
        List<INDArray> activations = forward(batch);
        SoftmaxResult result = softmaxCrossEntropy(activations.get(activations.size() - 1), batch, true);
        INDArray gradient = result.gradient;
        for (int i = layers.size() - 1; i >= 0 && gradient != null; i--) {
            gradient = layers.get(i).backward(activations.get(i), activations.get(i + 1), gradient,
                    needsInputGradient[i]);
        }
        if (mu > 0) {
            for (Penalized term : penalized) {
                axpy(mu, term.parameter.value, term.parameter.gradient);
                axpy(-mu, term.target, term.parameter.gradient);
            }
        }
        return result.meanLoss;
    }

    private List<INDArray> forward(Batch batch) {
        List<INDArray> activations = new ArrayList<>(layers.size() + 1);
        INDArray input = copyIn(batch.inputs(), buffers.get("input", batch.size(), batch.sampleSize()));
        activations.add(input);
        for (NdLayers.NdLayer layer : layers) {
            input = layer.forward(input);
            activations.add(input);
        }
        return activations;
    }

    /**
     * Writes host floats into a dense array. On the CPU backend through its NIO view:
     * {@code Nd4j.create(float[])} and {@code DataBuffer.setData} copy element by element, about
     * 40× slower.
     */
    private INDArray copyIn(float[] source, INDArray target) {
        if (gpu) {
            try (INDArray host = Nd4j.create(source, target.shape(), 'c')) {
                target.assign(host);
            }
        } else {
            target.data().asNioFloat().put(0, source);
        }
        return target;
    }

    /** A parameter under the penalty and its target. */
    private record Penalized(NdParameter parameter, INDArray target) {
    }

    private record SoftmaxResult(double meanLoss, INDArray gradient) {
    }

    /** y ← y + alpha·x in place, through BLAS. */
    private static void axpy(double alpha, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(x.length(), alpha, x, y);
    }

    /**
     * Mean softmax cross-entropy and, on request, ∂loss/∂logits = (softmax − onehot)/B, in few
     * operations: each ND4J operation costs tens of microseconds however small its arrays.
     */
    private SoftmaxResult softmaxCrossEntropy(INDArray logits, Batch batch, boolean withGradient) {
        int size = batch.size();
        long classes = logits.size(1);
        float[] oneHotValues = new float[(int) (size * classes)];
        for (int row = 0; row < size; row++) {
            oneHotValues[(int) (row * classes + batch.labels()[row])] = 1;
        }
        INDArray oneHot = copyIn(oneHotValues, buffers.get("oneHot", size * classes));
        INDArray logProbabilities = buffers.get("logProbabilities", size, classes);
        Nd4j.exec(DynamicCustomOp.builder("log_softmax").addInputs(logits).addOutputs(logProbabilities).build());
        INDArray flat = logProbabilities.reshape('c', new long[] {size * classes});
        double meanLoss = -Nd4j.getBlasWrapper().dot(oneHot, flat) / size;
        if (!withGradient) {
            return new SoftmaxResult(meanLoss, null);
        }
        INDArray gradient = buffers.get("logitGradient", size * classes);
        Nd4j.exec(new Exp(flat, gradient));
        axpy(-1, oneHot, gradient);
        return new SoftmaxResult(meanLoss, gradient.muli(1.0 / size).reshape('c', new long[] {size, classes}));
    }

    /** v ← m·v + g; w ← w − lr·(g + m·v) with Nesterov, w ← w − lr·v without; over all parameters at once. */
    private void update(double learningRate) {
        double momentum = options.momentum();
        if (momentum == 0) {
            axpy(-learningRate, gradients, values);
            return;
        }
        velocities.muli(momentum).addi(gradients);
        if (options.nesterov()) {
            axpy(-learningRate, gradients, values);
            axpy(-learningRate * momentum, velocities, values);
        } else {
            axpy(-learningRate, velocities, values);
        }
    }

    private void closePenalty() {
        penalized.forEach(term -> term.target.close());
        penalized.clear();
    }

    private void checkOpen() {
        TrainerChecks.checkOpen(Nd4jBackend.NAME, closed);
    }

    private void checkReady() {
        TrainerChecks.checkReady(Nd4jBackend.NAME, closed, loaded);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closePenalty();
            layers.forEach(NdLayers.NdLayer::close);
            buffers.close();
            values.close();
            gradients.close();
            velocities.close();
        }
    }
}
