package cortado.train.align;

import cortado.autograd.NoGrad;
import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Pairs tokenized as TRL's DPOTrainer lays them out: rows 0..N-1 are prompt+chosen, rows N..2N-1 prompt+rejected,
 * right-padded to the longest; the completion ids are those of tokenize(prompt + completion) after the prompt's own
 * ids, then the EOS id (TRL appends the EOS text before tokenizing; for byte-level tokenizers the id stands in).
 * {@code completionMask} marks the completion tokens, which alone are scored.
 */
public record PreferenceBatch(int[] ids, int[] completionMask, int pairs, int seq) {
    public int rows() { return 2 * pairs; }

    public static PreferenceBatch encode(List<PreferenceJsonl.Pair> pairs, Tokenizer tok, int eosId, int maxLength) {
        int n = pairs.size();
        int[][] rows = new int[2 * n][];
        int[] promptLen = new int[2 * n];
        for (int i = 0; i < n; i++) {
            PreferenceJsonl.Pair p = pairs.get(i);
            int[] prompt = tok.encode(p.prompt());
            rows[i] = withCompletion(tok, p.prompt(), p.chosen(), prompt.length, eosId);
            rows[n + i] = withCompletion(tok, p.prompt(), p.rejected(), prompt.length, eosId);
            promptLen[i] = promptLen[n + i] = prompt.length;
        }
        int seq = 0;
        for (int[] r : rows) seq = Math.max(seq, r.length);
        seq = Math.min(seq, maxLength);
        int[] ids = new int[2 * n * seq], mask = new int[2 * n * seq];
        for (int r = 0; r < 2 * n; r++) {
            int len = Math.min(rows[r].length, seq); // TRL's keep_start truncation
            if (promptLen[r] >= len)
                throw new IllegalArgumentException("pair at line " + pairs.get(r % n).line() + ": the prompt fills the "
                        + seq + " tokens, nothing of the completion is left to score");
            System.arraycopy(rows[r], 0, ids, r * seq, len);
            Arrays.fill(ids, r * seq + len, (r + 1) * seq, eosId);     // padding, masked out
            Arrays.fill(mask, r * seq + promptLen[r], r * seq + len, 1);
        }
        return new PreferenceBatch(ids, mask, n, seq);
    }

    private static int[] withCompletion(Tokenizer tok, String prompt, String completion, int promptLen, int eosId) {
        int[] all = tok.encode(prompt + completion);
        int[] row = Arrays.copyOf(all, all.length + 1);
        row[all.length] = eosId;
        if (row.length <= promptLen) throw new IllegalArgumentException("empty completion after the prompt");
        return row;
    }

    /** The label per position (next token inside the completion, -100 elsewhere). */
    public int[] labels() { return SequenceLogProbs.labels(ids, completionMask, rows(), seq); }

    /** The policy's completion log-probs, [2N], recording the graph. */
    public Tensor logProbs(CausalLm model) { return SequenceLogProbs.sum(model, ids, labels(), rows(), seq); }

    /**
     * The batch's log-probs under {@code model} as a reference: in eval mode, without gradients ({@link ReferenceModel}
     * calls it per batch, TRL's default; called once before training it is TRL's precompute_ref_log_probs). Taken
     * from the model about to be trained, this is the frozen reference without a second copy.
     */
    public float[] referenceLogProbs(CausalLm model) {
        boolean was = model.module().isTraining();
        model.module().train(false);
        try (NoGrad g = NoGrad.enter()) {
            return logProbs(model).toArray();
        } finally {
            model.module().train(was);
        }
    }

    /**
     * The pairs as trainer rows ({@link cortado.train.Batches#given}), one per pair: the chosen row then the rejected
     * row (2T tokens), targets the {@link #labels()} of each, so a seeded draw of rows is a draw of pairs and a
     * checkpoint's data position covers them. {@link #ofPairRows} takes a batch of them back apart.
     */
    public cortado.train.Batches pairRows(int batch, long seed) {
        int[] labels = labels();
        java.util.List<int[]> inputs = new java.util.ArrayList<>(pairs), targets = new java.util.ArrayList<>(pairs);
        for (int i = 0; i < pairs; i++) {
            int c = i * seq, r = (pairs + i) * seq;
            if (completionMask[c] != 0 || completionMask[r] != 0)   // its mask could not be told from the targets
                throw new IllegalArgumentException("pair " + (i + 1) + ": the prompt is empty (nothing conditions the"
                        + " first completion token)");
            inputs.add(concat(ids, c, r));
            targets.add(concat(labels, c, r));
        }
        return cortado.train.Batches.given(inputs, targets, batch, 2 * seq, seed);
    }

    private int[] concat(int[] a, int chosenAt, int rejectedAt) {
        int[] row = new int[2 * seq];
        System.arraycopy(a, chosenAt, row, 0, seq);
        System.arraycopy(a, rejectedAt, row, seq, seq);
        return row;
    }

    /** A batch of {@link #pairRows} as a preference batch: N chosen rows, then N rejected rows of T tokens. */
    public static PreferenceBatch ofPairRows(cortado.train.Batches.Batch b) {
        int n = b.batch(), seq = b.seq() / 2;
        int[] ids = new int[2 * n * seq], mask = new int[2 * n * seq];
        for (int i = 0; i < n; i++)
            for (int half = 0; half < 2; half++) {
                int from = i * 2 * seq + half * seq, to = (half * n + i) * seq;
                System.arraycopy(b.inputs(), from, ids, to, seq);
                // label at t scores token t+1, so the completion mask is the labels shifted right by one
                for (int t = 0; t + 1 < seq; t++) if (b.targets()[from + t] != -100) mask[to + t + 1] = 1;
            }
        return new PreferenceBatch(ids, mask, n, seq);
    }

    /** Completion tokens per row (IPO's per-token average). */
    public int[] lengths() {
        int[] n = new int[rows()];
        for (int i = 0; i < completionMask.length; i++) n[i / seq] += completionMask[i];
        return n;
    }
}
