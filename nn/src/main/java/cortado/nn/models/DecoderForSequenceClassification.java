package cortado.nn.models;

import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.tensor.Tensor;

/**
 * A decoder with a scalar (or {@code num_labels}-wide) head, as transformers' {@code GPT2ForSequenceClassification}
 * and {@code LlamaForSequenceClassification}: the trunk's hidden rows after the final norm, {@code score} (a linear
 * layer without bias) read at each row's last non-pad token. The trunk's modules are registered under their own
 * names ({@code transformer.*}, {@code model.*}) next to {@code score.weight}, without the LM head, so the parameter
 * names are HF's. Used as a reward model (TRL's RewardTrainer takes {@code num_labels=1}).
 *
 * <p>Pooling is transformers': the rightmost position whose id is not {@code pad_token_id} (so with pad = EOS, as TRL
 * sets it, the token before an appended EOS); without a pad id the last position, and only one row per batch.
 */
public final class DecoderForSequenceClassification extends Module {
    private final DecoderLm lm;
    private final int numLabels;
    private final Integer padTokenId;

    /**
     * @param lm         the decoder whose trunk is shared (its LM head is left out)
     * @param padTokenId the config's pad_token_id, or null
     */
    public DecoderForSequenceClassification(DecoderLm lm, int numLabels, Integer padTokenId) {
        if (numLabels < 1) throw new IllegalArgumentException("num_labels must be >= 1, got " + numLabels);
        this.lm = lm;
        this.numLabels = numLabels;
        this.padTokenId = padTokenId;
        for (var e : lm.children().entrySet()) if (!e.getKey().equals("lm_head")) child(e.getKey(), e.getValue());
        child("score", new Linear(lm.hiddenSize(), numLabels, false));
    }

    public int numLabels() { return numLabels; }

    /** The pad id pooling skips, or null. */
    public Integer padTokenId() { return padTokenId; }

    /** transformers' init of a new head: normal(0, initializer_range = 0.02), here from {@code seed}. */
    public void initScore(long seed) {
        Linear score = childAt("score");
        java.util.Random rng = new java.util.Random(seed);
        float[] w = new float[numLabels * lm.hiddenSize()];
        for (int i = 0; i < w.length; i++) w[i] = (float) (0.02 * rng.nextGaussian());
        score.weight().set(score.weight().value().backend().fromArray(w, numLabels, lm.hiddenSize()));
    }

    public DecoderLm decoder() { return lm; }

    /** Logits {@code [B, num_labels]} at each row's pooled position. */
    public Tensor forward(int[] ids, int batch, int seq) {
        if (ids.length != batch * seq)
            throw new IllegalArgumentException("got " + ids.length + " token ids, expected B*T = " + batch + "*" + seq);
        if (padTokenId == null && batch != 1)
            throw new IllegalArgumentException("cannot handle batch sizes > 1 without a pad token id (transformers' rule)");
        Tensor h = lm.hidden(ids, batch, seq, null);   // [B*T, C]
        Tensor[] rows = new Tensor[batch];
        for (int b = 0; b < batch; b++) {
            int at = b * seq + pooledPosition(ids, b, seq);
            rows[b] = F.slice(h, 0, at, at + 1);
        }
        Layer score = childAt("score");
        return score.forward(batch == 1 ? rows[0] : F.concat(0, rows));
    }

    /**
     * The head at every position, {@code [B, T, num_labels]}: a PPO value model reads it at each response token (TRL's
     * {@code value_model.score(hidden_states[-1])}).
     */
    public Tensor forwardAllPositions(int[] ids, int batch, int seq) {
        if (ids.length != batch * seq)
            throw new IllegalArgumentException("got " + ids.length + " token ids, expected B*T = " + batch + "*" + seq);
        Layer score = childAt("score");
        return F.reshape(score.forward(lm.hidden(ids, batch, seq, null)), batch, seq, numLabels);
    }

    /** transformers': argmax of position * (id != pad), i.e. the rightmost non-pad position (0 when all are pad). */
    int pooledPosition(int[] ids, int b, int seq) {
        if (padTokenId == null) return seq - 1;
        int last = 0;
        for (int t = 0; t < seq; t++) if (ids[b * seq + t] != padTokenId) last = t;
        return last;
    }
}
