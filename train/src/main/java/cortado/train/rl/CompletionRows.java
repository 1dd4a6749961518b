package cortado.train.rl;

import cortado.autograd.F;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import cortado.train.align.SequenceLogProbs;
import java.util.List;

/**
 * Prompts with their sampled completions as one right-padded batch: row r is prompt r, then completion r, then
 * padding up to {@code seq}. The padding comes after every real token, so a causal forward gives the real positions
 * exactly what TRL's left-padded, attention-masked batches give them, positions counted from each row's first token.
 * Per-token quantities sit at the logits position that scores the token: completion token j of row r at
 * {@code r * seq + promptLength[r] - 1 + j}.
 */
public record CompletionRows(int[] ids, int[] labels, float[] mask, int[] promptLengths, int[] completionLengths,
                             int rows, int seq) {
    /**
     * @param seq the row length: at least each prompt plus its completion (PPO passes prompt + the response window)
     * @param pad the id written into padding (never attended by a real token)
     */
    public static CompletionRows of(List<int[]> prompts, List<int[]> completions, int seq, int pad) {
        int rows = prompts.size();
        if (completions.size() != rows) throw new IllegalArgumentException(rows + " prompts, " + completions.size() + " completions");
        int[] ids = new int[rows * seq], completionMask = new int[rows * seq], pl = new int[rows], cl = new int[rows];
        java.util.Arrays.fill(ids, pad);
        for (int r = 0; r < rows; r++) {
            int[] p = prompts.get(r), c = completions.get(r);
            if (p.length == 0) throw new IllegalArgumentException("prompt " + r + " is empty");
            if (p.length + c.length > seq)
                throw new IllegalArgumentException("row " + r + ": " + p.length + " + " + c.length + " tokens exceed " + seq);
            System.arraycopy(p, 0, ids, r * seq, p.length);
            System.arraycopy(c, 0, ids, r * seq + p.length, c.length);
            for (int j = 0; j < c.length; j++) completionMask[r * seq + p.length + j] = 1;
            pl[r] = p.length;
            cl[r] = c.length;
        }
        int[] labels = SequenceLogProbs.labels(ids, completionMask, rows, seq);
        float[] mask = new float[labels.length];
        for (int i = 0; i < labels.length; i++) mask[i] = labels[i] != CausalLm.IGNORE_INDEX ? 1 : 0;
        return new CompletionRows(ids, labels, mask, pl, cl, rows, seq);
    }

    /** Completion tokens in the batch. */
    public double tokens() {
        double n = 0;
        for (float m : mask) n += m;
        return n;
    }

    /** Per-token log-probs [rows, seq] of the completion tokens under {@code model} at {@code temperature}. */
    public Tensor logProbs(CausalLm model, float temperature) {
        Tensor logits = model.forward(ids, rows, seq);
        return SequenceLogProbs.perToken(temperature == 1f ? logits : F.scale(logits, 1f / temperature), labels);
    }

    /** The flat index of completion token j of row r. */
    public int at(int r, int j) { return r * seq + promptLengths[r] - 1 + j; }
}
