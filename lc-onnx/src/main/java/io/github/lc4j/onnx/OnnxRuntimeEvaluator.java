package io.github.lc4j.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.core.data.Dataset;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs an ONNX file in ONNX Runtime over a data set: the check that does not trust lc4j's reading
 * of ONNX. A graph ending in Softmax or LogSoftmax is scored on its probabilities. Needs {@code com.microsoft.onnxruntime:onnxruntime} on the classpath, an optional
 * dependency of this module.
 */
public final class OnnxRuntimeEvaluator {
    private OnnxRuntimeEvaluator() {}

    /** Returns whether ONNX Runtime is on the classpath. */
    public static boolean available() {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, OnnxRuntimeEvaluator.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Returns the ONNX Runtime version. */
    public static String version() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    /**
     * Returns the mean softmax cross-entropy and the errors of the file's net on {@code data}, as
     * ONNX Runtime computes them (one intra-op thread, batches of 500).
     *
     * @throws InvalidInputException when ONNX Runtime cannot load or run the file
     */
    public static Evaluation evaluate(Path file, Dataset data) {
        try {
            return run(file, data);
        } catch (OrtException e) {
            throw new InvalidInputException("ONNX Runtime cannot run " + file + ": " + e.getMessage(), e);
        }
    }

    /** What the graph's output holds. */
    private enum Output {
        LOGITS,
        PROBABILITIES,
        LOG_PROBABILITIES
    }

    private static Output output(Path file) {
        ai.onnx.proto.OnnxMl.GraphProto graph = OnnxGraph.parse(file).getGraph();
        String name = graph.getOutput(0).getName();
        for (ai.onnx.proto.OnnxMl.NodeProto node : graph.getNodeList()) {
            if (node.getOutputList().contains(name)) {
                return switch (node.getOpType()) {
                    case "Softmax" -> Output.PROBABILITIES;
                    case "LogSoftmax" -> Output.LOG_PROBABILITIES;
                    default -> Output.LOGITS;
                };
            }
        }
        return Output.LOGITS;
    }

    private static Evaluation run(Path file, Dataset data) throws OrtException {
        Output kind = output(file);
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = environment.createSession(file.toString(), options)) {
                String input = session.getInputNames().iterator().next();
                int[] sampleShape = data.sampleShape();
                int sampleSize = data.sampleSize();
                double loss = 0;
                int errors = 0;
                int batch = 500;
                for (int from = 0; from < data.size(); from += batch) {
                    int to = Math.min(data.size(), from + batch);
                    float[] inputs = data.range(from, to).inputs();
                    long[] shape = new long[sampleShape.length + 1];
                    shape[0] = to - from;
                    for (int i = 0; i < sampleShape.length; i++) {
                        shape[i + 1] = sampleShape[i];
                    }
                    try (OnnxTensor tensor = OnnxTensor.createTensor(
                                    environment, FloatBuffer.wrap(inputs, 0, (to - from) * sampleSize), shape);
                            OrtSession.Result result = session.run(Map.of(input, tensor))) {
                        float[][] scores = (float[][]) result.get(0).getValue();
                        for (int row = 0; row < scores.length; row++) {
                            int label = data.label(from + row);
                            double max = Double.NEGATIVE_INFINITY;
                            int argmax = 0;
                            for (int k = 0; k < scores[row].length; k++) {
                                if (scores[row][k] > max) {
                                    max = scores[row][k];
                                    argmax = k;
                                }
                            }
                            loss += switch (kind) {
                                case PROBABILITIES -> -Math.log(scores[row][label]);
                                case LOG_PROBABILITIES -> -scores[row][label];
                                case LOGITS -> {
                                    double sum = 0;
                                    for (float logit : scores[row]) {
                                        sum += Math.exp(logit - max);
                                    }
                                    yield Math.log(sum) + max - scores[row][label];
                                }
                            };
                            errors += argmax == label ? 0 : 1;
                        }
                    }
                }
                return new Evaluation(loss / data.size(), errors, data.size());
            }
        }
    }
}
