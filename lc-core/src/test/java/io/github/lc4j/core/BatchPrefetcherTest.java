package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.spi.Batch;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The next minibatch gathered on a background thread: the same batches, in order, errors where they belong. */
class BatchPrefetcherTest {
    private static final int PER_EPOCH = 3;

    /** A batch that says where it came from: one sample whose two inputs are its epoch and index. */
    private static Batch at(long epoch, int index) {
        return new Batch(new float[] {epoch, index}, new int[] {(int) (epoch * PER_EPOCH + index)});
    }

    private static final class RecordingSource implements BatchPrefetcher.Source {
        final List<String> gatheredBy = new CopyOnWriteArrayList<>();
        final Set<String> positions = ConcurrentHashMap.newKeySet();

        @Override
        public Batch batch(long epoch, int index) {
            gatheredBy.add(Thread.currentThread().getName());
            positions.add(epoch + "/" + index);
            return at(epoch, index);
        }
    }

    @Test
    void everyBatchIsTheOneItsPositionGivesAcrossEpochsAndAfterAJump() {
        RecordingSource source = new RecordingSource();
        try (BatchPrefetcher prefetcher = new BatchPrefetcher(source, PER_EPOCH)) {
            for (int step = 0; step < 8; step++) {
                long epoch = step / PER_EPOCH;
                int index = step % PER_EPOCH;
                Batch batch = prefetcher.take(epoch, index);
                assertArrayEquals(at(epoch, index).inputs(), batch.inputs(), "step " + step);
                assertArrayEquals(at(epoch, index).labels(), batch.labels(), "step " + step);
            }
            // a position other than the one prefetched (a resumed run, another phase)
            Batch jumped = prefetcher.take(7, 1);
            assertArrayEquals(at(7, 1).inputs(), jumped.inputs());
            Batch next = prefetcher.take(7, 2);
            assertArrayEquals(at(7, 2).inputs(), next.inputs());
            assertTrue(prefetcher.waitNanos() > 0);
        }
        assertTrue(!source.gatheredBy.get(0).equals("lc4j-minibatches"), "the first batch is gathered by the caller");
        long background =
                source.gatheredBy.stream().filter("lc4j-minibatches"::equals).count();
        assertTrue(background >= 8, "the batches after the first come from the gathering thread: " + source.gatheredBy);
        assertTrue(source.positions.contains("1/0"), "the last batch of an epoch prefetches the next epoch's first");
    }

    @Test
    void takeLastGathersNothingAhead() {
        RecordingSource source = new RecordingSource();
        try (BatchPrefetcher prefetcher = new BatchPrefetcher(source, PER_EPOCH)) {
            prefetcher.takeLast(0, 0);
            prefetcher.takeLast(0, 1);
        }
        assertEquals(Set.of("0/0", "0/1"), source.positions);
    }

    @Test
    void aBatchThatFailsToGatherFailsTheTakeOfThatBatchOnly() {
        BatchPrefetcher.Source failing = (epoch, index) -> {
            if (index == 2) {
                throw new IllegalStateException("shard 2 is unreadable");
            }
            return at(epoch, index);
        };
        try (BatchPrefetcher prefetcher = new BatchPrefetcher(failing, PER_EPOCH)) {
            prefetcher.take(0, 0);
            // prefetches batch 2, which fails on the gathering thread: not yet the caller's error
            assertArrayEquals(at(0, 1).inputs(), prefetcher.take(0, 1).inputs());
            IllegalStateException error = assertThrows(IllegalStateException.class, () -> prefetcher.take(0, 2));
            assertEquals("shard 2 is unreadable", error.getMessage());
        }
    }

    @Test
    void anEmptyPositionIsNullAsTheSourceSaysAndClosingStopsTheThread() throws Exception {
        Set<Thread> gatherers = ConcurrentHashMap.newKeySet();
        BatchPrefetcher.Source sparse = (epoch, index) -> {
            gatherers.add(Thread.currentThread());
            return index == 1 ? null : at(epoch, index);
        };
        BatchPrefetcher prefetcher = new BatchPrefetcher(sparse, PER_EPOCH);
        prefetcher.take(0, 0);
        assertEquals(null, prefetcher.take(0, 1));
        prefetcher.close();
        gatherers.remove(Thread.currentThread());
        assertTrue(!gatherers.isEmpty(), "a batch was gathered in the background");
        for (Thread gatherer : gatherers) {
            gatherer.join(5_000);
            assertTrue(!gatherer.isAlive(), "the gathering thread ends with close()");
        }
    }
}
