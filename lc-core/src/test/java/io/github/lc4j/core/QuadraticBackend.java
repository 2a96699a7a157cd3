package io.github.lc4j.core;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.Capability;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A test backend whose loss is L(w) = ½‖w − w*‖² whatever the data, trained by exact proximal gradient
 * steps, and which records what the LC loop hands it: targets, μ and the weights it returns.
 */
class QuadraticBackend implements Backend {
    final Weights optimum;
    final List<Map<String, float[]>> targets = new ArrayList<>();
    final List<Double> mus = new ArrayList<>();
    final List<Weights> snapshots = new ArrayList<>();
    /** The weights each trainer was loaded with, one list per trainer in creation order. */
    final List<List<Weights>> loadsByTrainer = new ArrayList<>();
    /** The quantized weights handed to every straight-through step. */
    final List<Map<String, float[]>> straightThroughPoints = new ArrayList<>();

    int steps;

    QuadraticBackend(Weights optimum) {
        this.optimum = optimum;
    }

    @Override
    public String name() {
        return "quadratic";
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.DETERMINISTIC);
    }

    @Override
    public Trainer newTrainer(ModelSpec model, TrainerOptions options) {
        List<Weights> loads = new ArrayList<>();
        loadsByTrainer.add(loads);
        return new Trainer() {
            private Map<String, float[]> weights;
            private Map<String, float[]> target = Map.of();
            private double mu;

            @Override
            public ModelSpec model() {
                return model;
            }

            @Override
            public void load(Weights loaded) {
                loads.add(loaded);
                weights = loaded.toMap();
            }

            @Override
            public Weights snapshot() {
                Weights snapshot = Weights.of(model, weights);
                snapshots.add(snapshot);
                return snapshot;
            }

            @Override
            public Map<String, float[]> momentum() {
                Map<String, float[]> zeros = new LinkedHashMap<>();
                weights.forEach((name, w) -> zeros.put(name, new float[w.length]));
                return zeros;
            }

            @Override
            public void restore(Weights restored, Map<String, float[]> momentum) {
                weights = restored.toMap();
            }

            @Override
            public void setPenalty(Map<String, float[]> targetValues, double penalty) {
                Map<String, float[]> copy = new LinkedHashMap<>();
                targetValues.forEach((name, values) -> copy.put(name, values.clone()));
                target = copy;
                mu = penalty;
                if (penalty > 0) {
                    targets.add(copy);
                    mus.add(penalty);
                }
            }

            @Override
            public double step(Batch batch, double learningRate) {
                steps++;
                double loss = loss();
                // the proximal step every trainer takes: (w − lr·∇L + lr·μ·t)/(1 + lr·μ)
                weights.forEach((name, w) -> {
                    float[] star = optimum.get(name);
                    float[] t = target.get(name);
                    double penalty = t == null ? 0 : learningRate * mu;
                    for (int i = 0; i < w.length; i++) {
                        double moved = w[i] - learningRate * (w[i] - star[i]);
                        w[i] = (float) ((moved + penalty * (t == null ? 0 : t[i])) / (1 + penalty));
                    }
                });
                return loss;
            }

            @Override
            public double straightThroughStep(Batch batch, Map<String, float[]> quantized, double learningRate) {
                steps++;
                Map<String, float[]> copy = new LinkedHashMap<>();
                quantized.forEach((name, values) -> copy.put(name, values.clone()));
                straightThroughPoints.add(copy);
                Map<String, float[]> floats = weights;
                Map<String, float[]> point = new LinkedHashMap<>();
                floats.forEach((name, w) -> point.put(name, copy.containsKey(name) ? copy.get(name) : w.clone()));
                weights = point;
                double loss = loss();
                Map<String, float[]> gradients = gradients(batch);
                weights = floats;
                weights.forEach((name, w) -> {
                    float[] g = gradients.get(name);
                    for (int i = 0; i < w.length; i++) {
                        w[i] -= (float) (learningRate * g[i]);
                    }
                });
                return loss;
            }

            @Override
            public Map<String, float[]> gradients(Batch batch) {
                Map<String, float[]> gradients = new LinkedHashMap<>();
                weights.forEach((name, w) -> {
                    float[] star = optimum.get(name);
                    float[] t = target.get(name);
                    float[] g = new float[w.length];
                    for (int i = 0; i < w.length; i++) {
                        g[i] = (float) ((w[i] - star[i]) + (t == null ? 0 : mu * (w[i] - t[i])));
                    }
                    gradients.put(name, g);
                });
                return gradients;
            }

            @Override
            public Evaluation evaluate(Batch batch) {
                return new Evaluation(loss(), 0, batch.size());
            }

            private double loss() {
                double sum = 0;
                for (Map.Entry<String, float[]> entry : weights.entrySet()) {
                    float[] star = optimum.get(entry.getKey());
                    for (int i = 0; i < star.length; i++) {
                        double d = entry.getValue()[i] - (double) star[i];
                        sum += d * d / 2;
                    }
                }
                return sum;
            }

            @Override
            public void close() {}
        };
    }
}
