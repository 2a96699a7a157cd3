package io.github.lc4j.core;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.CompressionTask;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.LcListener;
import io.github.lc4j.api.LcOptions;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.core.cstep.CStepSolverFactory;
import io.github.lc4j.core.data.Dataset;
import io.github.lc4j.core.data.TrainTestSplit;
import io.github.lc4j.core.io.Checkpoint;
import io.github.lc4j.core.io.CheckpointStore;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The LC algorithm (Carreira-Perpiñán &amp; Idelbayev 2017) for quantization:
 * <ol>
 *   <li>w = reference, Θ = Π(w) (direct compression), λ = 0;</li>
 *   <li>for each μ of the schedule: L step — SGD on L(w) + μ/2 ‖w − Δ(Θ) − λ/μ‖²;
 *       C step — Θ = argmin ‖(w − λ/μ) − Δ(Θ)‖², warm-started;
 *       multipliers — λ ← λ − μ (w − Δ(Θ)) (augmented Lagrangian only).</li>
 * </ol>
 * The result is the quantized net Δ(Θ) (with the uncompressed parameters of the last w).
 */
final class LcAlgorithm {
    /**
     * The seeds of a run's compression tasks lie this far apart (a prime), so that the tasks'
     * k-means++ draws are independent of each other yet fixed by the run's seed.
     */
    static final long TASK_SEED_STRIDE = 7919L;

    private final CStepSolverFactory solverFactory;

    /** Creates the algorithm with the given C-step solvers. */
    @Inject
    LcAlgorithm(CStepSolverFactory solverFactory) {
        this.solverFactory = requireNonNull(solverFactory, "solverFactory is null");
    }

    /**
     * What one run needs: where it trains and evaluates, from which weights, with which options,
     * who hears about it, when it stops and where its checkpoints go.
     *
     * @param backend       the backend of the run's trainers and evaluator
     * @param model         the model
     * @param reference     the weights to compress
     * @param training      where the L steps' minibatches run (in this JVM, or on a cluster)
     * @param test          the test set, evaluated here after every iteration
     * @param description   the data's description, for checkpoints' settings
     * @param options       method, tasks, schedules, seed
     * @param listener      progress and iteration records
     * @param stopRequested polled at every minibatch; true ends the run with a
     *                      {@link java.util.concurrent.CancellationException}
     * @param checkpointing where checkpoints go and whether to resume (null: none)
     */
    record Request(
            Backend backend,
            ModelSpec model,
            Weights reference,
            TrainingSet training,
            Dataset test,
            String description,
            LcOptions options,
            LcListener listener,
            BooleanSupplier stopRequested,
            Checkpointing checkpointing) {
        /** Checks the required parts. */
        Request {
            requireNonNull(backend, "backend is null");
            requireNonNull(model, "model is null");
            requireNonNull(reference, "reference is null");
            requireNonNull(training, "training is null");
            requireNonNull(test, "test is null");
            requireNonNull(options, "options is null");
            requireNonNull(listener, "listener is null");
            requireNonNull(stopRequested, "stopRequested is null");
        }

        /** A run on {@code data} in this JVM that stops when its thread is interrupted, without checkpoints. */
        static Request of(
                Backend backend,
                ModelSpec model,
                Weights reference,
                TrainTestSplit data,
                LcOptions options,
                LcListener listener) {
            return new Request(
                    backend,
                    model,
                    reference,
                    TrainingSet.of(data.train()),
                    data.test(),
                    data.description(),
                    options,
                    listener,
                    Thread.currentThread()::isInterrupted,
                    null);
        }

        /** This request, stopping when {@code stop} says so. */
        Request stoppingWhen(BooleanSupplier stop) {
            return new Request(
                    backend, model, reference, training, test, description, options, listener, stop, checkpointing);
        }

        /** This request, with checkpoints as {@code checkpoints} says. */
        Request checkpointing(Checkpointing checkpoints) {
            return new Request(
                    backend,
                    model,
                    reference,
                    training,
                    test,
                    description,
                    options,
                    listener,
                    stopRequested,
                    checkpoints);
        }
    }

    /**
     * Runs LC (or the baseline {@code options.method()} names): its L steps on the request's
     * training set's learners, its C steps, multipliers, evaluation and checkpoints here; when the
     * checkpointing asks to resume, it continues from the newest intact checkpoint of its folder.
     *
     * @throws InvalidInputException when tasks, weights or data do not fit the model, or the
     *                               checkpoint was written with other settings, is damaged, or no
     *                               intact one exists
     * @throws io.github.lc4j.api.Lc4jException when an L step diverges
     */
    LcResult run(Request request) {
        Backend backend = request.backend();
        ModelSpec model = request.model();
        Weights reference = request.reference();
        TrainingSet training = request.training();
        Dataset test = request.test();
        String description = request.description();
        LcOptions options = request.options();
        LcListener listener = request.listener();
        Checkpointing checkpointing = request.checkpointing();
        CompressionTask.checkAgainst(model, options.tasks());
        RunChecks.checkDataFits(model, training, test);
        Weights.of(model, reference.toMap());
        Map<String, Object> settings = checkpointing == null
                ? null
                : settings(backend, model, reference, training, test, description, options);
        CheckpointStore store = checkpointing == null ? null : new CheckpointStore(checkpointing.folder());
        Checkpoint resumed = null;
        if (checkpointing != null && checkpointing.resume()) {
            CheckpointStore.Loaded loaded = store.readLatest();
            List<String> differences = loaded.checkpoint().differencesFrom(settings);
            if (!differences.isEmpty()) {
                throw new InvalidInputException("checkpoint " + loaded.file() + " was written by a run with other"
                        + " settings: " + String.join("; ", differences) + ". Resume with the settings it was"
                        + " written with, or start a new run in another folder");
            }
            loaded.skipped().forEach(problem -> listener.onNotice("passed over " + problem));
            listener.onNotice("resuming from " + loaded.file() + " at "
                    + describe(loaded.checkpoint().position()));
            resumed = loaded.checkpoint();
        }
        try (Learner learner = training.learner(backend, model, options.optimizer(), options.seed());
                Evaluator evaluator = backend.newEvaluator(model)) {
            LcRun run = new LcRun(
                    solverFactory,
                    backend,
                    model,
                    test,
                    options,
                    listener,
                    learner,
                    evaluator,
                    request.stopRequested());
            if (store != null) {
                run.checkpointTo(store, checkpointing.interval(), settings);
            }
            return resumed == null ? run.from(reference) : run.resume(resumed);
        }
    }

    /** Where checkpoints go, how often they are written inside training, and whether to resume from them. */
    record Checkpointing(Path folder, Duration interval, boolean resume) {
        Checkpointing {
            requireNonNull(folder, "folder is null");
            requireNonNull(interval, "interval is null");
        }
    }

    /**
     * What a checkpoint must agree on to be resumed: everything that changes the run's numbers.
     * The thread count is left out: it may change rounding only.
     */
    private static Map<String, Object> settings(
            Backend backend,
            ModelSpec model,
            Weights reference,
            TrainingSet training,
            Dataset test,
            String description,
            LcOptions options) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("model", model.name());
        settings.put(
                "parameters",
                model.parameters().stream()
                        .map(parameter -> parameter.name() + java.util.Arrays.toString(parameter.shape()))
                        .toList());
        settings.put(
                "tasks",
                options.tasks().stream()
                        .map(task -> task.name() + "=" + task.parameters() + " "
                                + task.codebook().describe())
                        .toList());
        settings.put("method", options.method().key());
        settings.put("muSchedule", options.muSchedule().values());
        settings.put("optimizer", options.optimizer().toString());
        settings.put("seed", options.seed());
        // true and false as older checkpoints recorded them; the other choices by name
        settings.put(
                "evaluateTrainingSet",
                switch (options.trainingEvaluation().when()) {
                    case EVERY_ITERATION -> (Object) Boolean.TRUE;
                    case NEVER -> Boolean.FALSE;
                    default -> options.trainingEvaluation().describe();
                });
        settings.put("convergenceTolerance", options.convergenceTolerance());
        if (options.bitBudget() != null) {
            settings.put("bitBudget", options.bitBudget().describe());
        }
        settings.put("data", description + " (" + training.size() + " training, " + test.size() + " test samples)");
        settings.put("backend", backend.name());
        if (!training.settings().isEmpty()) {
            settings.put("training", new LinkedHashMap<>(training.settings()));
        }
        settings.put("referenceSha256", fingerprint(model, reference));
        return settings;
    }

    private static String fingerprint(ModelSpec model, Weights weights) {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            for (var parameter : model.parameters()) {
                digest.update(parameter.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                float[] values = weights.get(parameter.name());
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(4 * values.length);
                buffer.asFloatBuffer().put(values);
                digest.update(buffer.array());
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String describe(Checkpoint.Position position) {
        return position.training()
                ? "iteration " + (position.iteration() + 1) + ", epoch " + (position.epoch() + 1) + ", after "
                        + position.batch() + " minibatches of that epoch"
                : "the end of iteration " + position.iteration();
    }
}
