package io.github.lc4j.api.spi;

import static io.github.lc4j.api.support.Checks.checkArgument;

import io.github.lc4j.api.OptimizerSpec;

/**
 * The SGD update rule a trainer follows, besides the learning rate of each step.
 *
 * @param momentum SGD momentum coefficient m in [0, 1)
 * @param nesterov whether the momentum is Nesterov's
 */
public record TrainerOptions(double momentum, boolean nesterov) {

    /** Checks the fields. */
    public TrainerOptions {
        checkArgument(
                Double.isFinite(momentum) && momentum >= 0 && (float) momentum < 1f,
                "momentum must be in [0, 1) in float precision, got %s",
                momentum);
        checkArgument(!nesterov || momentum > 0, "Nesterov momentum needs momentum > 0");
    }

    /** Returns the update rule of {@code optimizer}. */
    public static TrainerOptions of(OptimizerSpec optimizer) {
        return new TrainerOptions(optimizer.momentum(), optimizer.nesterov());
    }

    /** Returns plain SGD without momentum. */
    public static TrainerOptions plainSgd() {
        return new TrainerOptions(0, false);
    }

    /**
     * Returns the fraction c of the distance to the penalty target that one step's proximal
     * pull removes, for learning rate lr and penalty weight μ: c = γ/(1 + γ) with
     * γ = lr·μ/(1 − m). After the momentum update u of the loss gradient, the step ends with
     * w ← u − c·(u − t), the exact minimiser of γ/2‖w − t‖² + ½‖w − u‖². The quadratic term is
     * never a gradient, so no μ makes the step diverge; dividing by 1 − m gives the penalty the
     * same long-run step as momentum gives the loss gradient, so a fixed point satisfies
     * ∇L(w) + μ(w − t) = 0, as with the explicit step (docs/lc-algorithm.md §5). Returns 0 when
     * μ or lr is 0.
     */
    public double penaltyPull(double learningRate, double mu) {
        double gamma = penaltyStrength(learningRate, mu);
        return gamma == 0 ? 0 : gamma / (1 + gamma);
    }

    /**
     * Returns γ = lr·μ/(1 − m) of {@link #penaltyPull}: the proximal step's w ← (u + γ·t)/(1 + γ)
     * in the form a backend's fused proximal kernel takes.
     */
    public double penaltyStrength(double learningRate, double mu) {
        return learningRate * mu / (1 - momentum);
    }

    /**
     * Pulls the elements [from, to) of {@code weights} toward {@code target}: w ← w − c·(w − t),
     * with c from {@link #penaltyPull}; the reference every backend's proximal step must equal.
     */
    public static void pullTowardTarget(float[] weights, float[] target, float pull, int from, int to) {
        for (int j = from; j < to; j++) {
            weights[j] -= pull * (weights[j] - target[j]);
        }
    }

    /**
     * The update rule on host arrays, the reference every backend's update must equal: with
     * gradient g, velocity v and learning rate lr, plain SGD is w ← w − lr·g; with momentum m,
     * v ← m·v + g, then w ← w − lr·(g + m·v) (Nesterov) or w ← w − lr·v.
     */
    public void update(float[] weights, float[] gradient, float[] velocity, float learningRate) {
        update(weights, gradient, velocity, learningRate, 0, weights.length);
    }

    /**
     * Applies {@link #update(float[], float[], float[], float)} to the elements [from, to) only, so
     * that a backend can split a parameter over threads: every element's update is independent.
     */
    public void update(float[] weights, float[] gradient, float[] velocity, float learningRate, int from, int to) {
        float m = (float) momentum;
        if (m == 0f) {
            for (int j = from; j < to; j++) {
                weights[j] -= learningRate * gradient[j];
            }
        } else if (nesterov) {
            for (int j = from; j < to; j++) {
                float v = m * velocity[j] + gradient[j];
                velocity[j] = v;
                weights[j] -= learningRate * (gradient[j] + m * v);
            }
        } else {
            for (int j = from; j < to; j++) {
                float v = m * velocity[j] + gradient[j];
                velocity[j] = v;
                weights[j] -= learningRate * v;
            }
        }
    }
}
