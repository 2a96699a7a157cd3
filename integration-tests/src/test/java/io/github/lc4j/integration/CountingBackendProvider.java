package io.github.lc4j.integration;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.Weights;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.api.spi.Batch;
import io.github.lc4j.api.spi.CStepKernels;
import io.github.lc4j.api.spi.Capability;
import io.github.lc4j.api.spi.Evaluator;
import io.github.lc4j.api.spi.LossAndGradients;
import io.github.lc4j.api.spi.Trainer;
import io.github.lc4j.api.spi.TrainerOptions;
import io.github.lc4j.backend.tensorflow.TensorFlowBackendProvider;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test backend, {@value #NAME}: TensorFlow, with every trainer and evaluator counted while it is
 * open, so that a test can see that a cancelled run released its native graphs and sessions.
 * Added through {@link io.github.lc4j.core.Lc4j.Builder#addProvider}, not discovered.
 */
public final class CountingBackendProvider implements BackendProvider {
    /** The backend's name. */
    public static final String NAME = "counting-tensorflow";
    /** Trainers and evaluators created and not yet closed. */
    public static final AtomicInteger OPEN = new AtomicInteger();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return 1000;
    }

    @Override
    public Backend create(BackendConfig config) {
        Backend tensorflow = new TensorFlowBackendProvider().create(config);
        return new Backend() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public Set<Capability> capabilities() {
                return tensorflow.capabilities();
            }

            @Override
            public Trainer newTrainer(ModelSpec model, TrainerOptions options) {
                return new CountedTrainer(tensorflow.newTrainer(model, options));
            }

            @Override
            public Evaluator newEvaluator(ModelSpec model) {
                Evaluator evaluator = tensorflow.newEvaluator(model);
                OPEN.incrementAndGet();
                return new Evaluator() {
                    private boolean closed;

                    @Override
                    public ModelSpec model() {
                        return evaluator.model();
                    }

                    @Override
                    public void load(Weights weights) {
                        evaluator.load(weights);
                    }

                    @Override
                    public Evaluation evaluate(Batch batch) {
                        return evaluator.evaluate(batch);
                    }

                    @Override
                    public void close() {
                        if (!closed) {
                            closed = true;
                            evaluator.close();
                            OPEN.decrementAndGet();
                        }
                    }
                };
            }

            @Override
            public CStepKernels cStepKernels() {
                return tensorflow.cStepKernels();
            }
        };
    }

    /** A trainer that counts itself open until closed. */
    private static final class CountedTrainer implements Trainer {
        private final Trainer trainer;
        private boolean closed;

        CountedTrainer(Trainer trainer) {
            this.trainer = trainer;
            OPEN.incrementAndGet();
        }

        @Override
        public ModelSpec model() {
            return trainer.model();
        }

        @Override
        public void load(Weights weights) {
            trainer.load(weights);
        }

        @Override
        public Evaluation evaluate(Batch batch) {
            return trainer.evaluate(batch);
        }

        @Override
        public Weights snapshot() {
            return trainer.snapshot();
        }

        @Override
        public Map<String, float[]> momentum() {
            return trainer.momentum();
        }

        @Override
        public void restore(Weights weights, Map<String, float[]> momentum) {
            trainer.restore(weights, momentum);
        }

        @Override
        public void setPenalty(Map<String, float[]> targets, double mu) {
            trainer.setPenalty(targets, mu);
        }

        @Override
        public double step(Batch batch, double learningRate) {
            return trainer.step(batch, learningRate);
        }

        @Override
        public double straightThroughStep(Batch batch, Map<String, float[]> quantized, double learningRate) {
            return trainer.straightThroughStep(batch, quantized, learningRate);
        }

        @Override
        public Map<String, float[]> gradients(Batch batch) {
            return trainer.gradients(batch);
        }

        @Override
        public LossAndGradients lossAndGradients(Batch batch) {
            return trainer.lossAndGradients(batch);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                trainer.close();
                OPEN.decrementAndGet();
            }
        }
    }
}
