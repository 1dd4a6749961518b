package cortado.nn;

import cortado.tensor.AttentionMask;

/**
 * Several sequences packed into one row (TRL's {@code packing=True} with {@code padding_free}), told apart by their
 * position ids: each sequence counts its positions from 0, and a token whose position id is 0 starts a new sequence
 * that sees nothing before it. That is the rule of transformers' flash-attention varlen path
 * ({@code prepare_fa_kwargs_from_position_ids}: {@code cu_seqlens} at every position id 0), so the result equals
 * running each sequence on its own.
 */
public final class PackedSequences {
    private PackedSequences() {}

    /**
     * The causal mask of rows {@code [B, T]} whose position ids are {@code positions} (row-major): query t of row b
     * sees keys from the start of its own sequence (the last t' <= t with position id 0, or the row's first token)
     * up to itself.
     */
    public static AttentionMask mask(int[] positions, int batch, int seq) {
        PositionIds.max(positions, batch, seq); // shape and sign checks
        int[][] starts = new int[batch][seq];
        for (int b = 0; b < batch; b++) {
            int start = 0;
            for (int t = 0; t < seq; t++) {
                if (positions[b * seq + t] == 0) start = t;
                starts[b][t] = start;
            }
        }
        return AttentionMask.CAUSAL.withPackedSequences(starts);
    }
}
