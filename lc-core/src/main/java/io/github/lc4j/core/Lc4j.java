package io.github.lc4j.core;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Stage;
import com.google.inject.util.Modules;
import io.github.lc4j.api.BackendUnavailableException;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.api.support.Checks;
import io.github.lc4j.core.cstep.CStepSolverFactory;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.io.AtomicFiles;
import io.github.lc4j.core.io.NpyArray;
import io.github.lc4j.core.io.RunReport;
import io.github.lc4j.core.io.WeightsFile;
import io.github.lc4j.core.registry.BackendRegistry;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The entry point for host applications: one instance is bound to one backend, chosen when it is
 * built, and runs training, evaluation and LC on it.
 *
 * <pre>{@code
 * Lc4j lc4j = Lc4j.builder().backend("tensorflow").threads(2).property("tensorflow.device", "auto").build();
 * LcResult result = lc4j.compress(CompressionRequest.builder()
 *         .model(model).reference(reference).data(data).codebook(Codebook.adaptive(2)).build());
 * }</pre>
 *
 * <p>Besides the instance methods, the static methods read and write the files lc4j uses
 * (weights as {@code .npz}, arrays as {@code .npy}, JSON reports), so that a host needs no other
 * package than this one and {@code io.github.lc4j.api}. An instance is safe to share between
 * threads; each run uses its own trainers. {@link #close()} cancels the asynchronous runs still
 * going and refuses new work, so a host's try-with-resources leaves no run behind.
 */
public final class Lc4j implements AutoCloseable {
    private static final AtomicInteger ASYNC_RUNS = new AtomicInteger();

    /** The futures of {@link #compressAsync} runs not finished yet. */
    private final Set<CompletableFuture<LcResult>> running = ConcurrentHashMap.newKeySet();

    private volatile boolean closed;

    private final BackendRegistry registry;
    private final LcAlgorithm algorithm;
    private final Backend backend;

    private Lc4j(BackendRegistry registry, LcAlgorithm algorithm, Backend backend) {
        this.registry = registry;
        this.algorithm = algorithm;
        this.backend = backend;
    }

    /** Returns a builder; with no setting at all it gives the same instance as {@link #create()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns an instance on the default backend (the system property {@code lc4j.backend}, else
     * the environment variable {@code LC4J_BACKEND}, else the available backend of lowest rank),
     * using every processor.
     *
     * @throws BackendUnavailableException when no backend can run here
     */
    public static Lc4j create() {
        return builder().build();
    }

    /** Returns the name of the backend this instance runs on. */
    public String backendName() {
        return backend.name();
    }

    /** Returns the backend this instance runs on. */
    public Backend backend() {
        return backend;
    }

    /** Returns every backend found on the classpath, lowest rank first, and whether each can run here. */
    public List<BackendStatus> backends() {
        Map<String, String> availability = registry.availability();
        List<BackendStatus> statuses = new ArrayList<>();
        for (BackendProvider provider : registry.providers()) {
            String detail = availability.get(provider.name());
            statuses.add(new BackendStatus(
                    provider.name(), provider.rank(), detail.startsWith("available"), detail, provider.properties()));
        }
        return statuses;
    }

    /**
     * Trains a reference net as {@code request} says and returns its final weights. Interrupting
     * the calling thread ends the run at the next minibatch with a
     * {@link java.util.concurrent.CancellationException}.
     *
     * @throws InvalidInputException when the weights or data do not fit the model
     * @throws io.github.lc4j.api.Lc4jException when training diverges
     */
    public Weights train(TrainingRequest request) {
        requireNonNull(request, "request is null");
        checkOpen();
        return Training.train(backend, request, Thread.currentThread()::isInterrupted);
    }

    /**
     * Runs LC as {@code request} says and returns the quantized net. Interrupting the calling
     * thread ends the run at the next minibatch with a
     * {@link java.util.concurrent.CancellationException}; a request with
     * {@link CompressionRequest.Builder#checkpoints checkpoints} writes one first, from which
     * {@link CompressionRequest.Builder#resumeFrom resumeFrom} continues.
     *
     * @throws InvalidInputException when tasks, weights or data do not fit the model
     * @throws io.github.lc4j.api.Lc4jException when an L step diverges
     */
    public LcResult compress(CompressionRequest request) {
        requireNonNull(request, "request is null");
        checkOpen();
        return run(request, Thread.currentThread()::isInterrupted);
    }

    private LcResult run(CompressionRequest request, BooleanSupplier stopRequested) {
        return algorithm.run(new LcAlgorithm.Request(
                backend,
                request.model(),
                request.reference(),
                request.training(),
                request.test(),
                request.dataDescription(),
                request.options(),
                request.listener(),
                stopRequested,
                request.checkpointFolder()
                        .map(folder ->
                                new LcAlgorithm.Checkpointing(folder, request.checkpointInterval(), request.resume()))
                        .orElse(null)));
    }

    /**
     * Starts LC in a new thread and returns its future. {@code cancel(true)} (or {@code cancel(false)})
     * completes the future at once and ends the run at its next minibatch or evaluation, closing
     * its trainers (and their native memory) on the run's thread shortly after; the listener is
     * called from the run's thread until then.
     */
    public CompletableFuture<LcResult> compressAsync(CompressionRequest request) {
        return compressAsync(request, null);
    }

    /**
     * Starts LC on {@code executor} (a new daemon thread when null) and returns its future, which
     * cancels as {@link #compressAsync(CompressionRequest)}'s does. A run the executor rejects
     * completes the future exceptionally.
     */
    public CompletableFuture<LcResult> compressAsync(CompressionRequest request, Executor executor) {
        requireNonNull(request, "request is null");
        checkOpen();
        CompletableFuture<LcResult> future = new CompletableFuture<>();
        running.add(future);
        future.whenComplete((result, failure) -> running.remove(future));
        Runnable task = () -> {
            try {
                future.complete(run(
                        request, () -> future.isDone() || Thread.currentThread().isInterrupted()));
            } catch (Throwable failure) {
                future.completeExceptionally(failure);
            }
        };
        if (executor == null) {
            Thread worker = new Thread(task, "lc4j-compress-" + ASYNC_RUNS.incrementAndGet());
            worker.setDaemon(true);
            worker.start();
        } else {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                future.completeExceptionally(e);
            }
        }
        return future;
    }

    /**
     * Cancels every {@link #compressAsync} run still going (each stops at its next minibatch) and
     * makes later {@code train}, {@code compress} and {@code compressAsync} calls fail. Calling it
     * again does nothing.
     */
    @Override
    public void close() {
        closed = true;
        for (CompletableFuture<LcResult> future : List.copyOf(running)) {
            future.cancel(true);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this Lc4j is closed; build a new one with Lc4j.builder()");
        }
    }

    /** Returns loss and errors of {@code weights} on every sample of {@code dataset}. */
    public Evaluation evaluate(ModelSpec model, Weights weights, Dataset dataset) {
        return DatasetEvaluation.of(backend, model, weights, dataset);
    }

    /** Returns loss and errors of {@code weights} on every sample of {@code training}, wherever it is held. */
    public Evaluation evaluate(ModelSpec model, Weights weights, TrainingSet training) {
        return training.evaluate(backend, model, weights);
    }

    // ------------------------------------------------------------------------------- files

    /**
     * Reads the weights of {@code model} from a NumPy {@code .npz} archive with one
     * {@code <parameter>.npy} entry per parameter.
     *
     * @throws InvalidInputException naming the file and what is wrong with it
     */
    public static Weights readWeights(Path npz, ModelSpec model) {
        return WeightsFile.read(npz, model);
    }

    /** Writes {@code weights} of {@code model} as a float32 {@code .npz} archive, atomically. */
    public static void writeWeights(Path npz, ModelSpec model, Weights weights) {
        WeightsFile.write(npz, model, weights);
    }

    /**
     * Reads a float32 or float64 {@code .npy} array (C order) as floats.
     *
     * @throws InvalidInputException naming the file and what is wrong with it
     */
    public static float[] readArray(Path npy) {
        return readFloatArray(npy).toFloats();
    }

    /** The float32 or float64 array of {@code npy}, or an error naming the file. */
    private static NpyArray readFloatArray(Path npy) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(npy))) {
            return NpyArray.read(in, npy.toString()).requireFloats(npy.toString());
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("array file " + npy + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read array file " + npy + ": " + e, e);
        }
    }

    /** How a file lays out a dense layer's weight; convolutions are [filters, channels, kh, kw] in both. */
    public enum Layout {
        /** lc4j's: a dense weight is [inputs, outputs]. */
        LC4J,
        /** PyTorch's {@code nn.Linear.weight}: [outputs, inputs], transposed on reading. */
        PYTORCH
    }

    /**
     * Reads the float32 or float64 {@code .npy} array of {@code parameter} of {@code model}, checking
     * its shape: a file whose shape differs from the parameter's is an error naming both, so a
     * PyTorch [outputs, inputs] Linear weight cannot load silently transposed. With
     * {@link Layout#PYTORCH} a dense weight of shape [outputs, inputs] is transposed into lc4j's
     * [inputs, outputs].
     *
     * @throws InvalidInputException naming the file, both shapes and, for a transposed weight, the fix
     */
    public static float[] readParameter(Path npy, ModelSpec model, String parameter, Layout layout) {
        requireNonNull(layout, "layout is null");
        int[] expected = model.parameter(parameter).shape();
        NpyArray array = readFloatArray(npy);
        int[] shape = array.shape();
        boolean dense = expected.length == 2;
        int[] stored = layout == Layout.PYTORCH && dense ? new int[] {expected[1], expected[0]} : expected;
        if (!java.util.Arrays.equals(shape, stored)) {
            boolean transposed = dense && java.util.Arrays.equals(shape, new int[] {stored[1], stored[0]});
            throw new InvalidInputException(npy + " holds " + java.util.Arrays.toString(shape) + " for "
                    + parameter + ", which is " + java.util.Arrays.toString(stored) + " in the " + layout
                    + " layout"
                    + (transposed
                            ? "; it looks transposed: "
                                    + (layout == Layout.LC4J
                                            ? "a PyTorch Linear weight is [outputs, inputs], read it with Layout.PYTORCH"
                                            : "it is already in lc4j's [inputs, outputs], read it with Layout.LC4J")
                            : ""));
        }
        float[] values = array.toFloats();
        if (stored == expected) {
            return values;
        }
        float[] transposed = new float[values.length];
        int rows = stored[0];
        int columns = stored[1];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                transposed[c * rows + r] = values[r * columns + c];
            }
        }
        return transposed;
    }

    /** Writes a float32 {@code .npy} array of {@code shape}, atomically. */
    public static void writeArray(Path npy, int[] shape, float[] values) {
        Checks.checkArgument(
                Checks.elementCount(shape) == values.length,
                "shape %s does not hold %d values",
                java.util.Arrays.toString(shape),
                values.length);
        AtomicFiles.write(npy, NpyArray.ofFloats(shape, values)::write);
    }

    /**
     * Writes the JSON report of an LC run, atomically: {@code settings} (any JSON-able values) and
     * every per-iteration record of {@code result}.
     */
    public static void writeReport(Path json, Map<String, Object> settings, LcResult result) {
        RunReport.write(json, RunReport.toMap(new LinkedHashMap<>(settings), result));
    }

    /** Returns an evaluation as the JSON report writes it (loss, errors, count, error rate). */
    public static Map<String, Object> reportOf(Evaluation evaluation) {
        return RunReport.evaluation(evaluation);
    }

    /** Builds an {@link Lc4j}: the backend, its threads and properties, and the C-step solvers. */
    public static final class Builder {
        private String backend;
        private int threads = Runtime.getRuntime().availableProcessors();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
        private CStepSolverFactory solvers;
        private final List<BackendProvider> providers = new ArrayList<>();

        private Builder() {}

        /** Chooses the backend by name (default: the classpath rule of {@link Lc4j#create()}). */
        public Builder backend(String name) {
            requireNonNull(name, "backend name is null");
            Checks.checkArgument(!name.isBlank(), "backend name is blank");
            this.backend = name.trim();
            return this;
        }

        /** Sets how many threads the backend may use (default: every processor). */
        public Builder threads(int threads) {
            this.threads = Checks.checkAtLeast(threads, 1, "threads");
            return this;
        }

        /** Sets a backend property, e.g. {@code nd4j.blas.threads}; the backend must declare the key. */
        public Builder property(String key, String value) {
            properties.put(requireNonNull(key, "key is null"), requireNonNull(value, "value is null"));
            return this;
        }

        /** Sets where backends are discovered (default: the context class loader). */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = requireNonNull(loader, "loader is null");
            return this;
        }

        /**
         * Adds a backend provider besides those found on the classpath through
         * {@code META-INF/services}, e.g. a host's own backend; its name must be new.
         */
        public Builder addProvider(BackendProvider provider) {
            providers.add(requireNonNull(provider, "provider is null"));
            return this;
        }

        /** Replaces the C-step solvers (default: {@link CStepSolverFactory#DEFAULT}). */
        public Builder cStepSolvers(CStepSolverFactory factory) {
            this.solvers = requireNonNull(factory, "factory is null");
            return this;
        }

        /**
         * Returns the instance, with its backend created.
         *
         * @throws BackendUnavailableException when the backend is unknown or cannot run here,
         *                                     listing every backend found
         * @throws InvalidInputException when a property key is not declared by the backend, listing
         *                               the keys it declares
         */
        public Lc4j build() {
            Module module = new Lc4jModule(
                    new BackendConfig(threads, properties), Lc4jModule.providers(classLoader, providers));
            if (solvers != null) {
                CStepSolverFactory replacement = solvers;
                module = Modules.override(module).with(new AbstractModule() {
                    @Override
                    protected void configure() {
                        bind(CStepSolverFactory.class).toInstance(replacement);
                    }
                });
            }
            Injector injector = Guice.createInjector(Stage.PRODUCTION, module);
            BackendRegistry registry = injector.getInstance(BackendRegistry.class);
            return new Lc4j(registry, injector.getInstance(LcAlgorithm.class), registry.select(backend));
        }
    }
}
