package io.github.lc4j.api;

/** How the LC algorithm treats the constraint w = Δ(Θ). */
public enum LcMode {
    /** Augmented Lagrangian: multipliers λ are updated after every C step. */
    AUGMENTED_LAGRANGIAN,
    /** Quadratic penalty: λ stays 0. */
    QUADRATIC_PENALTY
}
