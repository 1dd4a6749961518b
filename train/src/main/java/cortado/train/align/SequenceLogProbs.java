package cortado.train.align;

import cortado.autograd.F;
import cortado.tensor.Tensor;

/**
 * The log-probability of each row's completion given its prompt, as TRL's DPOTrainer takes it: the logits at
 * position t score the token at t+1 (log_softmax, then the label's entry), tokens outside the completion mask count
 * 0, and the sum runs over the sequence. Differentiable in the logits.
 */
public final class SequenceLogProbs {
    private SequenceLogProbs() {}

    /** Labels for {@code ids} [rows, seq]: the next token where it is a completion token, {@code -100} elsewhere. */
    public static int[] labels(int[] ids, int[] completionMask, int rows, int seq) {
        int[] labels = new int[rows * seq];
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < seq; t++) {
                int next = r * seq + t + 1;
                labels[r * seq + t] = t + 1 < seq && completionMask[next] != 0 ? ids[next] : -100;
            }
        return labels;
    }

    /** Sum over each row of log p(label) for logits [rows, seq, vocab]; labels of -100 add nothing. Shape [rows]. */
    public static Tensor sum(Tensor logits, int[] labels) {
        return F.sum(perToken(logits, labels), 1, false);
    }

    /**
     * {@link #sum} of {@code model}'s logits for {@code ids} [rows, seq], with the head fused into the sum where the
     * model allows it ({@link cortado.nn.models.DecoderLm#fusedLabelLogProbSums}): the [rows, seq, vocab] logits,
     * log-softmax and one-hot selection are then never built (for GPT-2 at 8 x 256 tokens each is 411 MB).
     */
    public static Tensor sum(cortado.nn.models.CausalLm model, int[] ids, int[] labels, int rows, int seq) {
        if (model instanceof cortado.nn.models.DecoderLm d) {
            Tensor fused = d.fusedLabelLogProbSums(ids, labels, rows, seq);
            if (fused != null) return fused;
        }
        return sum(model.forward(ids, rows, seq), labels);
    }

    /**
     * log p(label) at each position for logits [rows, seq, vocab], 0 where the label is -100: TRL's
     * {@code selective_log_softmax}, the per-token log-probs of GRPO and PPO. Shape [rows, seq].
     */
    public static Tensor perToken(Tensor logits, int[] labels) {
        int rows = logits.size(0), seq = logits.size(1), vocab = logits.size(2);
        if (labels.length != rows * seq)
            throw new IllegalArgumentException("labels: " + labels.length + " for " + rows + "x" + seq + " logits");
        // select log_softmax[label] by a constant one-hot product (no gather op in autograd; vocabularies here are small)
        float[] pick = new float[rows * seq * vocab];
        for (int i = 0; i < labels.length; i++)
            if (labels[i] != -100) pick[i * vocab + labels[i]] = 1f;
        return F.sum(F.mul(F.logSoftmax(logits), logits.backend().fromArray(pick, rows, seq, vocab)), 2, false);
    }

    /** How many labels of each row are scored (not -100). */
    public static int[] counts(int[] labels, int rows) {
        int seq = labels.length / rows;
        int[] n = new int[rows];
        for (int i = 0; i < labels.length; i++) if (labels[i] != -100) n[i / seq]++;
        return n;
    }
}
