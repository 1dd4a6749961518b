package cortado.nn;

import cortado.tensor.RopeTable;

/**
 * A model's rotary position embedding (Su et al. 2021), Hugging Face's {@code LlamaRotaryEmbedding}: inverse
 * frequencies computed once, and a cos/sin {@link RopeTable} built from them, shared by every layer and grown (doubling)
 * only when a forward pass reaches a position it does not cover. Attention layers hold a reference to it (it has no
 * parameters, so it is not a child module) and look rows up by each token's position id.
 */
public class RotaryEmbedding {
    private float[] invFreq;
    private float attentionScaling;
    private RopeTable table;

    public RotaryEmbedding(float[] invFreq, float attentionScaling) {
        if (invFreq.length == 0) throw new IllegalArgumentException("rotary embedding needs at least one frequency");
        this.invFreq = invFreq.clone();
        this.attentionScaling = attentionScaling;
    }

    /**
     * Plain RoPE: {@code inv_freq[i] = 1 / theta^(2i/D)}, computed as transformers'
     * {@code compute_default_rope_parameters} does in float32: the exponent {@code (float) 2i / D} is a float32
     * division, the power is rounded to float32, then its float32 reciprocal.
     */
    public static float[] defaultInverseFrequencies(int headDim, double theta) {
        if (headDim <= 0 || headDim % 2 != 0)
            throw new IllegalArgumentException("rotary embedding needs an even head dim, got " + headDim);
        float[] f = new float[headDim / 2];
        float base = (float) theta;
        for (int i = 0; i < f.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            f[i] = 1f / (float) Math.pow(base, exponent);
        }
        return f;
    }

    /** Plain RoPE with base {@code theta} over heads of {@code headDim}. */
    public static RotaryEmbedding standard(int headDim, double theta) {
        return new RotaryEmbedding(defaultInverseFrequencies(headDim, theta), 1f);
    }

    /**
     * The table for a forward pass over {@code positions} (row-major [B, T]): it covers every id in it. Subclasses whose
     * frequencies depend on the sequence length (dynamic NTK scaling) update them here first, from the largest id.
     */
    public RopeTable table(int[] positions, int batch, int seq) {
        int max = PositionIds.max(positions, batch, seq);
        update(max + 1);
        if (table == null || table.positions() <= max) {
            int n = Math.max(max + 1, table == null ? 64 : (int) Math.min(Integer.MAX_VALUE, 2L * table.positions()));
            table = RopeTable.build(invFreq, n, attentionScaling);
        }
        return table;
    }

    /** Called with the sequence length of each forward pass (largest position id + 1); plain RoPE ignores it. */
    protected void update(int seqLen) {}

    /** Replaces the frequencies (dynamic scaling); the table is rebuilt on the next lookup. */
    protected final void setFrequencies(float[] invFreq, float attentionScaling) {
        this.invFreq = invFreq.clone();
        this.attentionScaling = attentionScaling;
        this.table = null;
    }

    /** A copy of the inverse frequencies now in use (D/2 of them). */
    public float[] inverseFrequencies() { return invFreq.clone(); }

    /** The factor cos and sin are multiplied by (YaRN's attention factor; 1 otherwise). */
    public float attentionScaling() { return attentionScaling; }

    /** Half the rotated head width. */
    public int half() { return invFreq.length; }
}
