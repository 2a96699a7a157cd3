package io.github.lc4j.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.TrainingRequest;
import io.github.lc4j.core.data.DataSets;
import io.github.lc4j.examples.QuantizeMyModel;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding example end to end: .npy weights in, LC through the facade, quantized .npy out, and a cancelled run. */
class HostApplicationIT {
    @TempDir
    static Path folder;

    @BeforeAll
    static void writeTrainedWeights() {
        ModelSpec model = QuantizeMyModel.model();
        Weights trained = Lc4j.builder()
                .backend("cpu-java")
                .build()
                .train(TrainingRequest.builder()
                        .model(model)
                        .data(DataSets.embeddedFashionMnist())
                        .epochs(1)
                        .build());
        QuantizeMyModel.writeWeights(model, trained, folder.resolve("weights"));
    }

    @Test
    void exampleQuantizesItsOwnModel() {
        ModelSpec model = QuantizeMyModel.model();
        LcResult result = QuantizeMyModel.run(folder.resolve("weights"), folder.resolve("quantized"), 4);
        Weights written = QuantizeMyModel.readWeights(model, folder.resolve("quantized"));
        assertEquals(result.quantized(), written, "the written .npy files hold the quantized net");
        for (ParameterSpec parameter : model.parameters()) {
            Set<Float> distinct = new HashSet<>();
            for (float value : written.get(parameter.name())) {
                distinct.add(value);
            }
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                assertEquals(4, distinct.size(), parameter.name());
            }
        }
        assertEquals(7, result.history().size(), "DC plus six LC iterations");
        assertTrue(
                result.last().test().errorRate() < 0.5,
                "quantized error " + result.last().test().errorRate());
    }

    @Test
    void aCancelledAsyncRunStopsAndLeavesNoThreadOrNativeGraphBehind() throws Exception {
        CountDownLatch firstIteration = new CountDownLatch(1);
        List<Integer> iterationsSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
        LcListener listener = new LcListener() {
            @Override
            public void onIterationEnd(IterationRecord record, int iterations) {
                iterationsSeen.add(record.iteration());
                if (record.iteration() == 1) {
                    firstIteration.countDown();
                }
            }
        };
        Lc4j lc4j = Lc4j.builder()
                .addProvider(new CountingBackendProvider())
                .backend(CountingBackendProvider.NAME)
                .threads(2)
                .build();
        CompletableFuture<LcResult> run =
                lc4j.compressAsync(QuantizeMyModel.request(folder.resolve("weights"), 4, listener));
        assertTrue(firstIteration.await(120, TimeUnit.SECONDS), "the run never finished its first iteration");
        assertTrue(run.cancel(true), "the run had already ended");
        assertThrows(CancellationException.class, run::join);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && (workers() > 0 || CountingBackendProvider.OPEN.get() > 0)) {
            Thread.sleep(50);
        }
        assertEquals(0, workers(), "the run's thread is still alive after cancel");
        assertEquals(0, CountingBackendProvider.OPEN.get(), "a cancelled run left trainers or evaluators open");
        assertTrue(iterationsSeen.size() < 7, "the run went on after cancel: " + iterationsSeen);
        assertEquals(0, iterationsSeen.get(0), "the listener saw direct compression first");
    }

    @Test
    void closingTheFacadeCancelsItsRunsOnTheHostsExecutorAndRefusesNewOnes() throws Exception {
        CountDownLatch firstIteration = new CountDownLatch(1);
        LcListener listener = new LcListener() {
            @Override
            public void onIterationEnd(IterationRecord record, int iterations) {
                if (record.iteration() == 1) {
                    firstIteration.countDown();
                }
            }
        };
        java.util.concurrent.ExecutorService executor =
                java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "host-pool"));
        try {
            CompletableFuture<LcResult> run;
            try (Lc4j lc4j = Lc4j.builder()
                    .addProvider(new CountingBackendProvider())
                    .backend(CountingBackendProvider.NAME)
                    .threads(2)
                    .build()) {
                run = lc4j.compressAsync(QuantizeMyModel.request(folder.resolve("weights"), 4, listener), executor);
                assertTrue(firstIteration.await(120, TimeUnit.SECONDS), "the run never finished its first iteration");
                assertTrue(!run.isDone(), "the run ended before the facade was closed");
            }
            assertTrue(run.isCancelled(), "closing the facade cancels its runs");
            // the executor's thread is free again once the run has stopped at its next minibatch
            CompletableFuture<String> next =
                    CompletableFuture.supplyAsync(() -> Thread.currentThread().getName(), executor);
            assertEquals("host-pool", next.get(60, TimeUnit.SECONDS));
            assertEquals(0, workers(), "a run on the host's executor starts no thread of its own");
        } finally {
            executor.shutdownNow();
        }
        Lc4j closed = Lc4j.builder()
                .addProvider(new CountingBackendProvider())
                .backend(CountingBackendProvider.NAME)
                .build();
        closed.close();
        IllegalStateException refused = assertThrows(
                IllegalStateException.class,
                () -> closed.compress(QuantizeMyModel.request(folder.resolve("weights"), 4, LcListener.NONE)));
        assertTrue(refused.getMessage().contains("closed"), refused.getMessage());
    }

    @Test
    void aHostCompressesAnOnnxFileThroughTheFacadeAlone() throws Exception {
        Path onnx = folder.resolve("host-lenet300.onnx");
        java.nio.file.Files.copy(
                Path.of("..", "lc-onnx", "src", "test", "resources", "io", "github", "lc4j", "onnx", "lenet300.onnx"),
                onnx);
        Path output = folder.resolve("host-lenet300-q.onnx");
        LcResult result =
                io.github.lc4j.examples.CompressOnnxModel.run(onnx, DataSets.embeddedFashionMnist(), output, 4);
        assertTrue(java.nio.file.Files.size(output) * 10 < java.nio.file.Files.size(onnx), "a compact file at 2 bits");
        io.github.lc4j.onnx.OnnxNet back = io.github.lc4j.onnx.OnnxNet.read(output);
        assertEquals(result.quantized(), back.weights(), "the file holds the quantized net");
        for (ParameterSpec parameter : back.model().parameters()) {
            if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                Set<Float> values = new HashSet<>();
                for (float value : back.weights().get(parameter.name())) {
                    values.add(value);
                }
                assertTrue(values.size() <= 4, parameter.name() + ": " + values.size());
            }
        }
        assertTrue(
                result.last().test().errorRate() < 0.5,
                "quantized error " + result.last().test().errorRate());
    }

    private static long workers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("lc4j-compress-") && thread.isAlive())
                .count();
    }
}
