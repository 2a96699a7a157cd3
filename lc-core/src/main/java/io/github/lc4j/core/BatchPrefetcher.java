package io.github.lc4j.core;

import static io.github.lc4j.api.support.Checks.checkAtLeast;
import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.spi.Batch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Gathers minibatch b + 1 on a background thread while the caller's step runs on minibatch b, so
 * that a backend's step does not wait for the samples to be copied together. A minibatch is a pure
 * function of its position (epoch, index): a prefetched one is the batch the caller would have
 * gathered itself, so prefetching changes no number. When the caller asks for a position other than
 * the one prefetched (a resumed run, a phase that starts elsewhere), that batch is gathered on the
 * calling thread and the guess is dropped. Not thread-safe: one caller takes the batches.
 */
public final class BatchPrefetcher implements AutoCloseable {

    /** The batch at a position; {@code null} where the position holds no samples (a partition's empty slice). */
    @FunctionalInterface
    public interface Source {
        /** Returns the batch at minibatch {@code index} of epoch {@code epoch}, or null where there is none. */
        Batch batch(long epoch, int index);
    }

    private final Source source;
    private final int batchesPerEpoch;
    private ExecutorService thread;
    private Future<Batch> next;
    private long nextEpoch;
    private int nextIndex;
    private long waitNanos;

    /** Prefetches from {@code source}, whose epochs have {@code batchesPerEpoch} minibatches. */
    public BatchPrefetcher(Source source, int batchesPerEpoch) {
        this.source = requireNonNull(source, "source is null");
        this.batchesPerEpoch = checkAtLeast(batchesPerEpoch, 1, "minibatches per epoch");
    }

    /** Returns the batch at (epoch, index) and starts gathering the one after it. */
    public Batch take(long epoch, int index) {
        Batch batch = takeLast(epoch, index);
        boolean epochEnds = index + 1 >= batchesPerEpoch;
        schedule(epochEnds ? epoch + 1 : epoch, epochEnds ? 0 : index + 1);
        return batch;
    }

    /** Returns the batch at (epoch, index) and gathers nothing ahead: the caller's last one for now. */
    public Batch takeLast(long epoch, int index) {
        long start = System.nanoTime();
        try {
            Future<Batch> pending = next;
            next = null;
            if (pending != null && nextEpoch == epoch && nextIndex == index) {
                return join(pending, epoch, index);
            }
            if (pending != null) {
                pending.cancel(false);
            }
            return source.batch(epoch, index);
        } finally {
            waitNanos += System.nanoTime() - start;
        }
    }

    /**
     * Returns the nanoseconds the caller spent in {@link #take} and {@link #takeLast}: waiting for a
     * prefetched batch or gathering one itself.
     */
    public long waitNanos() {
        return waitNanos;
    }

    private void schedule(long epoch, int index) {
        if (thread == null) {
            thread = java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
                Thread gatherer = new Thread(runnable, "lc4j-minibatches");
                gatherer.setDaemon(true);
                return gatherer;
            });
        }
        nextEpoch = epoch;
        nextIndex = index;
        next = thread.submit(() -> source.batch(epoch, index));
    }

    /**
     * The prefetched batch at (epoch, index); an error the gathering threw is rethrown as the
     * caller's own. An interrupted caller keeps its interrupt and gathers the batch itself, so that
     * its step completes and the run stops at its next check.
     */
    private Batch join(Future<Batch> pending, long epoch, int index) {
        try {
            return pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.cancel(false);
            return source.batch(epoch, index);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("gathering a minibatch failed", cause);
        }
    }

    /** Stops the background thread; a batch it is gathering is dropped. */
    @Override
    public void close() {
        if (next != null) {
            next.cancel(false);
            next = null;
        }
        if (thread != null) {
            thread.shutdownNow();
            thread = null;
        }
    }
}
