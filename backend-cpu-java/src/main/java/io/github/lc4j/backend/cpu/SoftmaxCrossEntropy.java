package io.github.lc4j.backend.cpu;

/** Numerically stable softmax cross-entropy of one row of logits. */
final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {}

    /**
     * Returns −log softmax(z)[label] and, when {@code gradient} is non-null, writes
     * scale·(softmax(z) − onehot(label)) into it at the same offset.
     */
    static double rowLoss(float[] logits, int offset, int classes, int label, float[] gradient, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            max = Math.max(max, logits[offset + k]);
        }
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            sum += Math.exp(logits[offset + k] - max);
        }
        double logSum = Math.log(sum);
        if (gradient != null) {
            for (int k = 0; k < classes; k++) {
                double probability = Math.exp(logits[offset + k] - max - logSum);
                gradient[offset + k] = (float) (scale * (probability - (k == label ? 1 : 0)));
            }
        }
        return logSum - (logits[offset + label] - max);
    }

    /** Returns the index of the largest logit; ties go to the lowest index. */
    static int argmax(float[] logits, int offset, int classes) {
        int best = 0;
        for (int k = 1; k < classes; k++) {
            if (logits[offset + k] > logits[offset + best]) {
                best = k;
            }
        }
        return best;
    }
}
