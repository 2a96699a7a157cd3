package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static io.github.lc4j.api.support.Checks.checkAtLeast;
import static io.github.lc4j.api.support.Checks.checkPositive;

import java.util.ArrayList;
import java.util.List;

/**
 * The penalty schedule μ_j = μ0 · factor^j for j = 0 … steps-1, each value used {@code repeats}
 * times in a row, so the LC run has {@code steps · repeats} iterations.
 *
 * @param mu0     the first μ, &gt; 0
 * @param factor  the growth factor, &gt; 1
 * @param steps   the number of distinct μ values, &gt;= 1
 * @param repeats how many LC iterations use each μ, &gt;= 1
 */
public record MuSchedule(double mu0, double factor, int steps, int repeats) {

    /** Checks every field. */
    public MuSchedule {
        checkPositive(mu0, "μ0");
        checkArgument(Double.isFinite(factor) && factor > 1, "μ growth factor must be > 1, got %s", factor);
        checkAtLeast(steps, 1, "number of μ values");
        checkAtLeast(repeats, 1, "repeats per μ value");
    }

    /** Returns a schedule without repeats. */
    public static MuSchedule exponential(double mu0, double factor, int steps) {
        return new MuSchedule(mu0, factor, steps, 1);
    }

    /** Returns the number of LC iterations. */
    public int iterations() {
        return steps * repeats;
    }

    /** Returns μ for LC iteration {@code iteration} (0-based). */
    public double mu(int iteration) {
        checkArgument(
                iteration >= 0 && iteration < iterations(), "iteration %d is outside [0, %d)", iteration, iterations());
        return mu0 * Math.pow(factor, iteration / repeats);
    }

    /** Returns μ for every iteration in order. */
    public List<Double> values() {
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < iterations(); i++) {
            values.add(mu(i));
        }
        return values;
    }
}
