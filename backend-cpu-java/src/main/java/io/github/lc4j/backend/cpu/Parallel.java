package io.github.lc4j.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Runs loop bodies over fixed chunks of an index range. Chunk borders depend only on the range
 * and the chunk size, never on the thread count, and every chunk writes disjoint outputs, so
 * results are bit-identical whatever the number of threads.
 */
final class Parallel implements AutoCloseable {
    /** A loop body over the index range [from, to). */
    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }

    private final ForkJoinPool pool;

    Parallel(int threads) {
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
    }

    /** Runs {@code body} over [0, size) in chunks of {@code chunk} indices. */
    void forChunks(int size, int chunk, RangeBody body) {
        int chunks = (size + chunk - 1) / chunk;
        if (pool == null || chunks <= 1) {
            for (int c = 0; c < chunks; c++) {
                body.run(c * chunk, Math.min(size, (c + 1) * chunk));
            }
            return;
        }
        pool.submit(() -> IntStream.range(0, chunks)
                        .parallel()
                        .forEach(c -> body.run(c * chunk, Math.min(size, (c + 1) * chunk))))
                .join();
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
