package io.github.lc4j.api;

/**
 * Progress events of training and LC runs, delivered on the thread that runs the work. Every
 * method has an empty default; implement what you need. A listener must not throw.
 */
public interface LcListener {

    /** A listener that ignores everything. */
    LcListener NONE = new LcListener() {};

    /**
     * Reports progress inside a long phase.
     *
     * @param phase      what runs, e.g. {@code "L step 3/20"} or {@code "training epoch 2/10"}
     * @param done       minibatches done in this phase
     * @param total      minibatches in this phase
     * @param recentLoss mean loss of the recent minibatches
     */
    default void onProgress(String phase, long done, long total, double recentLoss) {}

    /** Reports the end of a training epoch (reference training or baselines). */
    default void onEpochEnd(int epoch, int epochs, double trainLoss, Evaluation test) {}

    /** Reports the end of an LC iteration (iteration 0 is direct compression). */
    default void onIterationEnd(IterationRecord record, int iterations) {}

    /**
     * Called with a notice about the run that is not progress: where it resumed from, a damaged
     * checkpoint passed over, where a stopped run left its checkpoint.
     */
    default void onNotice(String message) {}
}
