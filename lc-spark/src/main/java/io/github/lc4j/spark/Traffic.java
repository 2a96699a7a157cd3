package io.github.lc4j.spark;

/**
 * What a training set's learners moved between driver and executors: rounds (Spark jobs), bytes
 * broadcast (payload times the partitions that read it) and bytes aggregated (every partition's
 * result). A logical count of payloads, not of Spark's own framing.
 */
public final class Traffic {
    private long rounds;
    private long broadcastBytes;
    private long aggregatedBytes;

    synchronized void add(long broadcast, long aggregated) {
        rounds++;
        broadcastBytes += broadcast;
        aggregatedBytes += aggregated;
    }

    /** Returns the rounds (one Spark job each) so far. */
    public synchronized long rounds() {
        return rounds;
    }

    /** Returns the bytes broadcast so far, counted once per partition that reads them. */
    public synchronized long broadcastBytes() {
        return broadcastBytes;
    }

    /** Returns the bytes the partitions sent back so far. */
    public synchronized long aggregatedBytes() {
        return aggregatedBytes;
    }
}
