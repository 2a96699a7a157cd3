package io.github.lc4j.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs loop bodies over fixed chunks of an index range. Chunk borders depend only on the range
 * and the chunk size, never on the thread count, and every chunk writes disjoint outputs, so
 * results are bit-identical whatever the number of threads.
 *
 * <p>The calling thread and {@code threads − 1} resident workers claim chunks from a shared
 * counter. A call allocates nothing (a fork/join task and a parallel stream cost a few hundred
 * bytes each, on every one of the dozen loops of a training step): the call is published through
 * volatile fields, and the caller returns only when every worker has finished with it, so no
 * worker can still be reading one call's fields when the next call writes them. Between calls a
 * worker spins briefly (the loops of a step follow each other within microseconds), then parks.
 */
final class Parallel implements AutoCloseable {
    /** A loop body over the index range [from, to). */
    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }

    /** How long an idle worker, or a caller waiting for the workers, spins before it parks. */
    private static final long SPIN_NANOS = 50_000;

    private final Thread[] workers;
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile RangeBody body;
    private volatile int size;
    private volatile int chunk;
    private volatile int chunks;
    /** Incremented by every call that uses the workers; a worker runs each generation once. */
    private volatile int generation;

    private volatile Throwable failure;
    private volatile boolean closed;
    /** The thread waiting in the running call, unparked by the last worker to finish. */
    private volatile Thread caller;

    Parallel(int threads) {
        workers = new Thread[Math.max(0, threads - 1)];
        for (int i = 0; i < workers.length; i++) {
            Thread worker = new Thread(this::work, "lc4j-cpu-java-" + (i + 1));
            worker.setDaemon(true);
            workers[i] = worker;
            worker.start();
        }
    }

    /** Runs {@code body} over [0, size) in chunks of {@code chunk} indices. */
    void forChunks(int size, int chunk, RangeBody body) {
        int chunks = (size + chunk - 1) / chunk;
        if (workers.length == 0 || chunks <= 1) {
            for (int c = 0; c < chunks; c++) {
                body.run(c * chunk, Math.min(size, (c + 1) * chunk));
            }
            return;
        }
        this.body = body;
        this.size = size;
        this.chunk = chunk;
        this.chunks = chunks;
        failure = null;
        nextChunk.set(0);
        arrived.set(0);
        caller = Thread.currentThread();
        generation++; // publishes the fields above to the workers
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        runChunks(body, size, chunk, chunks);
        long waitingSince = System.nanoTime();
        while (arrived.get() < workers.length) {
            // spinning answers fastest on idle cores; parking keeps a busy machine's cores for the workers
            if (System.nanoTime() - waitingSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        caller = null;
        this.body = null;
        Throwable thrown = failure;
        if (thrown instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
        if (thrown != null) {
            throw new IllegalStateException("a loop body failed", thrown);
        }
    }

    private void runChunks(RangeBody body, int size, int chunk, int chunks) {
        for (int c = nextChunk.getAndIncrement(); c < chunks; c = nextChunk.getAndIncrement()) {
            try {
                if (failure == null) {
                    body.run(c * chunk, Math.min(size, (c + 1) * chunk));
                }
            } catch (Throwable e) { // handed to the caller, which rethrows it
                failure = e;
            }
        }
    }

    private void work() {
        int seen = 0;
        long idleSince = System.nanoTime();
        while (!closed) {
            int current = generation;
            if (current == seen) {
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
                continue;
            }
            seen = current;
            runChunks(body, size, chunk, chunks);
            Thread waiting = caller;
            if (arrived.incrementAndGet() == workers.length && waiting != null) {
                LockSupport.unpark(waiting);
            }
            idleSince = System.nanoTime();
        }
    }

    /** Returns the ids of the calling side's helper threads (for allocation accounting in tests). */
    long[] workerIds() {
        long[] ids = new long[workers.length];
        for (int i = 0; i < workers.length; i++) {
            ids[i] = workers[i].getId();
        }
        return ids;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
    }
}
