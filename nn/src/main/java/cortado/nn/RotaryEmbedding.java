package cortado.nn;

import cortado.tensor.RopeTable;

/**
 * A model's rotary position embedding (Su et al. 2021), Hugging Face's {@code LlamaRotaryEmbedding}: inverse
 * frequencies computed once by the model's {@link RopeScaling}, and a cos/sin {@link RopeTable} built from them, shared
 * by every layer and grown (doubling) only when a forward pass reaches a position it does not cover. Attention layers
 * hold a reference to it (it has no parameters, so it is not a child module) and look rows up by each token's position.
 *
 * <p>Dynamic NTK scaling is stateful in transformers ({@code dynamic_rope_update}), and so it is here: a forward pass
 * whose largest position id + 1 (seq_len) exceeds the longest seen so far recomputes the frequencies for seq_len; one
 * that fits in max_position_embeddings again, after a longer one, restores the original frequencies. With a KV cache
 * the keys already stored keep the rotation they were given, so decoding past max_position_embeddings token by token
 * rotates each new token with the frequencies of its own step, exactly as transformers' cached {@code generate} does
 * (and differently from one uncached pass over the same tokens, which uses the last step's frequencies for all).
 */
public final class RotaryEmbedding {
    private final RopeScaling scaling;
    private final int dim;
    private final float[] originalInvFreq;
    private final int originalMaxSeqLen;
    private float[] invFreq;
    private int maxSeqLenCached;
    private final float attentionScaling;
    private RopeTable table;

    /** The embedding for heads of {@code headDim} (all of it rotated). */
    public RotaryEmbedding(RopeScaling scaling, int headDim) {
        if (headDim <= 0 || headDim % 2 != 0)
            throw new IllegalArgumentException("rotary embedding needs an even head dim, got " + headDim);
        this.scaling = scaling;
        this.dim = headDim;
        this.originalMaxSeqLen = scaling instanceof RopeScaling.Dynamic d ? d.maxPositions() : Integer.MAX_VALUE;
        this.maxSeqLenCached = originalMaxSeqLen;
        this.originalInvFreq = scaling.inverseFrequencies(headDim, scaling instanceof RopeScaling.Dynamic d
                ? d.maxPositions() : 0);
        this.invFreq = originalInvFreq;
        this.attentionScaling = (float) scaling.attentionFactor();
    }

    /** Plain RoPE with base {@code theta} over heads of {@code headDim}. */
    public static RotaryEmbedding standard(int headDim, double theta) {
        return new RotaryEmbedding(new RopeScaling.Default(theta), headDim);
    }

    /**
     * The table for a forward pass over {@code positions} (row-major [B, T]): it covers every id in it. Dynamic scaling
     * updates the frequencies first, from the largest id, as transformers' {@code dynamic_frequency_update}.
     */
    public RopeTable table(int[] positions, int batch, int seq) {
        int max = PositionIds.max(positions, batch, seq);
        if (scaling instanceof RopeScaling.Dynamic) dynamicUpdate(max + 1);
        if (table == null || table.positions() <= max) {
            int n = Math.max(max + 1, table == null ? 64 : (int) Math.min(Integer.MAX_VALUE, 2L * table.positions()));
            table = RopeTable.build(invFreq, n, attentionScaling);
        }
        return table;
    }

    /** Growth past the longest sequence seen recomputes; a short sequence after a long one restores the original. */
    private void dynamicUpdate(int seqLen) {
        int cachedBefore = maxSeqLenCached;
        if (seqLen > cachedBefore) {
            invFreq = scaling.inverseFrequencies(dim, seqLen);
            maxSeqLenCached = seqLen;
            table = null;
        }
        if (seqLen < originalMaxSeqLen && cachedBefore > originalMaxSeqLen) {
            invFreq = originalInvFreq;
            maxSeqLenCached = originalMaxSeqLen;
            table = null;
        }
    }

    /** A copy of the inverse frequencies now in use (D/2 of them). */
    public float[] inverseFrequencies() { return invFreq.clone(); }

    /** The factor cos and sin are multiplied by (YaRN's attention factor; 1 otherwise). */
    public float attentionScaling() { return attentionScaling; }

    public RopeScaling scaling() { return scaling; }

    /** Half the rotated head width. */
    public int half() { return dim / 2; }
}
