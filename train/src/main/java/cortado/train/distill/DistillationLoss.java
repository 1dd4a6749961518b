package cortado.train.distill;

import cortado.autograd.F;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;

/**
 * Knowledge distillation's loss (Hinton, Vinyals and Dean 2015):
 * <pre>
 * loss = alpha · T² · KL(p_T ‖ q_T) + (1 − alpha) · CE(student, labels)
 * p_T = softmax(teacher / T),  q_T = softmax(student / T)
 * </pre>
 * KL summed over the vocabulary and averaged over the tokens whose label is not {@link CausalLm#IGNORE_INDEX} (the
 * tokens CE averages over). T² keeps the soft term's gradient, which scales as 1/T², comparable to the hard term's as
 * T changes (the paper's section 2). The teacher is a constant: its p_T and Σ p_T log p_T are computed on the host,
 * and only −Σ p_T log q_T records the graph (d/ds = (q_T − p_T)/T per token, before the weights).
 */
public final class DistillationLoss {
    /** @param temperature T > 0 @param alpha the soft term's weight, in [0, 1] */
    public record Config(float temperature, float alpha) {
        public Config {
            if (!(temperature > 0) || Float.isInfinite(temperature))
                throw new IllegalArgumentException("the distillation temperature must be > 0, got " + temperature);
            if (!(alpha >= 0 && alpha <= 1))
                throw new IllegalArgumentException("the distillation alpha must be in [0, 1], got " + alpha);
        }
    }

    /** The loss (recording the graph) and its two terms' values. */
    public record Result(Tensor loss, double kl, double ce) {}

    private DistillationLoss() {}

    /**
     * @param student logits {@code [N, V]}, recording the graph
     * @param teacher logits, N x V row-major on the host
     * @param labels N next-token ids, {@link CausalLm#IGNORE_INDEX} where nothing is scored
     */
    public static Result compute(Config c, Tensor student, float[] teacher, int[] labels) {
        int n = student.size(0), v = student.size(1);
        if (teacher.length != (long) n * v)
            throw new IllegalArgumentException("teacher logits hold " + teacher.length + " values for [" + n + ", " + v
                    + "] student logits (do teacher and student share the vocabulary?)");
        if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " rows");
        float t = c.temperature();
        float[] p = new float[n * v];
        double plogp = 0;
        int scored = 0;
        for (int r = 0; r < n; r++) {
            if (labels[r] == CausalLm.IGNORE_INDEX) continue;   // p stays 0: the row adds nothing
            scored++;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < v; k++) max = Math.max(max, teacher[r * v + k] / t);
            double z = 0;
            for (int k = 0; k < v; k++) z += Math.exp(teacher[r * v + k] / t - max);
            double logZ = max + Math.log(z);
            for (int k = 0; k < v; k++) {
                double logp = teacher[r * v + k] / t - logZ;
                double pk = Math.exp(logp);
                p[r * v + k] = (float) pk;
                if (pk > 0) plogp += pk * logp;
            }
        }
        if (scored == 0) throw new IllegalArgumentException("no scored token (every label is " + CausalLm.IGNORE_INDEX + ")");
        Tensor logq = F.logSoftmax(t == 1f ? student : F.scale(student, 1f / t));
        Tensor cross = F.sum(F.mul(student.backend().fromArray(p, n, v), logq));   // Σ p log q
        // KL = (Σ p log p − Σ p log q) / scored
        Tensor kl = F.scale(F.addScalar(F.neg(cross), (float) plogp), 1f / scored);
        Tensor ce = F.crossEntropy(student, labels, CausalLm.IGNORE_INDEX);
        Tensor loss = F.add(F.scale(kl, c.alpha() * t * t), F.scale(ce, 1f - c.alpha()));
        return new Result(loss, kl.item(), ce.item());
    }
}
