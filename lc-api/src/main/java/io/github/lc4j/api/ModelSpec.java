package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.support.Checks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Immutable description of a feed-forward classifier: input shape, layers, and a softmax
 * cross-entropy loss over the last layer's outputs. Building one checks that every layer fits
 * the shape it receives, so a backend can trust {@link #activationShapes()}.
 */
public final class ModelSpec {
    private final String name;
    private final int[] inputShape;
    private final List<Layer> layers;
    private final List<int[]> activationShapes;
    private final Map<String, ParameterSpec> parameters;
    private final boolean[] inputGradientNeeded;

    private ModelSpec(String name, int[] inputShape, List<Layer> layers) {
        this.name = name;
        this.inputShape = inputShape;
        this.layers = List.copyOf(layers);
        this.activationShapes = new ArrayList<>();
        this.parameters = new LinkedHashMap<>();
        Set<String> layerNames = new HashSet<>();
        this.inputGradientNeeded = new boolean[layers.size()];
        int[] shape = inputShape;
        for (int index = 0; index < layers.size(); index++) {
            Layer layer = layers.get(index);
            inputGradientNeeded[index] = !parameters.isEmpty();
            shape = layer.accept(new ShapeInference(
                    shape, "model " + name + ", layer " + index + " (" + layer + ")", layerNames, this::addParameter));
            activationShapes.add(shape.clone());
        }
        checkArgument(
                shape.length == 1 && shape[0] >= 2,
                "model %s: the last layer must output a vector of at least 2 class scores, got shape %s",
                name,
                Arrays.toString(shape));
        checkArgument(!parameters.isEmpty(), "model %s has no trainable layer", name);
    }

    /** Registers a parameter a layer creates. */
    @FunctionalInterface
    private interface ParameterSink {
        void add(String layer, ParameterSpec.Role role, int... shape);
    }

    /**
     * Returns the per-sample output shape of {@code layer} given its per-sample input shape, as a
     * model holding it would infer it: for building a model layer by layer from another format.
     *
     * @throws IllegalArgumentException when the layer does not fit the input
     */
    public static int[] outputShape(Layer layer, int[] inputShape) {
        requireNonNull(layer, "layer is null");
        requireNonNull(inputShape, "inputShape is null");
        return layer.accept(
                new ShapeInference(inputShape.clone(), "layer " + layer, new HashSet<>(), (owner, role, shape) -> {}));
    }

    /** The output shape of one layer given its input shape; registers the parameters it creates. */
    private static final class ShapeInference implements Layer.Visitor<int[]> {
        private final int[] shape;
        private final String where;
        private final Set<String> layerNames;
        private final ParameterSink parameters;

        ShapeInference(int[] shape, String where, Set<String> layerNames, ParameterSink parameters) {
            this.shape = shape;
            this.where = where;
            this.layerNames = layerNames;
            this.parameters = parameters;
        }

        @Override
        public int[] dense(Layer.Dense dense) {
            checkArgument(
                    shape.length == 1,
                    "%s: a dense layer needs a vector input, got shape %s; add a flatten layer",
                    where,
                    Arrays.toString(shape));
            checkArgument(layerNames.add(dense.name()), "%s: duplicate layer name %s", where, dense.name());
            parameters.add(dense.name(), ParameterSpec.Role.WEIGHT, shape[0], dense.units());
            parameters.add(dense.name(), ParameterSpec.Role.BIAS, dense.units());
            return new int[] {dense.units()};
        }

        @Override
        public int[] conv2d(Layer.Conv2d conv) {
            checkArgument(
                    shape.length == 3,
                    "%s: a convolution needs a [C,H,W] input, got shape %s",
                    where,
                    Arrays.toString(shape));
            checkArgument(layerNames.add(conv.name()), "%s: duplicate layer name %s", where, conv.name());
            int height = outputSize(shape[1], conv.kernelSize(), conv.stride(), conv.padding(), where);
            int width = outputSize(shape[2], conv.kernelSize(), conv.stride(), conv.padding(), where);
            parameters.add(
                    conv.name(),
                    ParameterSpec.Role.WEIGHT,
                    conv.filters(),
                    shape[0],
                    conv.kernelSize(),
                    conv.kernelSize());
            parameters.add(conv.name(), ParameterSpec.Role.BIAS, conv.filters());
            return new int[] {conv.filters(), height, width};
        }

        @Override
        public int[] maxPool2d(Layer.MaxPool2d pool) {
            checkArgument(
                    shape.length == 3,
                    "%s: max pooling needs a [C,H,W] input, got shape %s",
                    where,
                    Arrays.toString(shape));
            return new int[] {
                shape[0],
                outputSize(shape[1], pool.size(), pool.stride(), 0, where),
                outputSize(shape[2], pool.size(), pool.stride(), 0, where)
            };
        }

        @Override
        public int[] relu(Layer.Relu relu) {
            return shape;
        }

        @Override
        public int[] tanh(Layer.Tanh tanh) {
            return shape;
        }

        @Override
        public int[] flatten(Layer.Flatten flatten) {
            return new int[] {Checks.elementCount(shape)};
        }
    }

    private static int outputSize(int input, int kernel, int stride, int padding, String where) {
        int span = input + 2 * padding - kernel;
        checkArgument(
                span >= 0, "%s: kernel %d does not fit input size %d with padding %d", where, kernel, input, padding);
        return span / stride + 1;
    }

    private void addParameter(String layer, ParameterSpec.Role role, int... shape) {
        String parameterName = layer + (role == ParameterSpec.Role.WEIGHT ? ".weight" : ".bias");
        parameters.put(parameterName, new ParameterSpec(parameterName, layer, role, shape));
    }

    /**
     * Creates a model.
     *
     * @param name       a display name, e.g. {@code lenet300}
     * @param inputShape per-sample input shape: {@code [features]} or {@code [C, H, W]}
     * @param layers     the layers in order; the last must output the class scores
     * @throws IllegalArgumentException naming the first layer that does not fit
     */
    public static ModelSpec of(String name, int[] inputShape, List<Layer> layers) {
        requireNonNull(name, "name is null");
        requireNonNull(inputShape, "inputShape is null");
        requireNonNull(layers, "layers is null");
        checkArgument(
                inputShape.length == 1 || inputShape.length == 3,
                "model %s: input shape must be [features] or [C,H,W], got %s",
                name,
                Arrays.toString(inputShape));
        Checks.elementCount(inputShape);
        checkArgument(!layers.isEmpty(), "model %s has no layers", name);
        return new ModelSpec(name, inputShape.clone(), layers);
    }

    /** Returns the display name. */
    public String name() {
        return name;
    }

    /** Returns a copy of the per-sample input shape. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** Returns the number of input values per sample. */
    public int inputSize() {
        return Checks.elementCount(inputShape);
    }

    /** Returns the number of classes (outputs of the last layer). */
    public int classCount() {
        return activationShapes.get(activationShapes.size() - 1)[0];
    }

    /** Returns the layers in order. */
    public List<Layer> layers() {
        return layers;
    }

    /** Returns copies of the per-sample output shape of each layer, in layer order. */
    public List<int[]> activationShapes() {
        List<int[]> copies = new ArrayList<>(activationShapes.size());
        for (int[] shape : activationShapes) {
            copies.add(shape.clone());
        }
        return copies;
    }

    /**
     * Returns, for each layer, whether backpropagation must compute the gradient of its input:
     * true exactly when some earlier layer has parameters.
     */
    public boolean[] inputGradientNeeded() {
        return inputGradientNeeded.clone();
    }

    /** Returns the trainable parameters in layer order (weight before bias). */
    public List<ParameterSpec> parameters() {
        return List.copyOf(parameters.values());
    }

    /** Returns the parameter called {@code parameterName}, or throws listing the known names. */
    public ParameterSpec parameter(String parameterName) {
        ParameterSpec spec = parameters.get(parameterName);
        if (spec == null) {
            throw new InvalidInputException(
                    "model " + name + " has no parameter '" + parameterName + "'; it has " + parameters.keySet());
        }
        return spec;
    }

    /** Returns the total number of trainable values. */
    public long parameterCount() {
        long count = 0;
        for (ParameterSpec spec : parameters.values()) {
            count += spec.size();
        }
        return count;
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(inputShape) + " " + layers;
    }
}
