package cortado.nn.models.bert;

import java.util.Arrays;

/**
 * A padded batch for an encoder, as transformers' tokenizers return it: B rows of T ids (row-major), their segment
 * ids and the attention mask (1 = real token, 0 = padding; any pattern, left or right padding).
 *
 * @param inputIds null only for a batch whose word embeddings are given ({@link #ofEmbeds})
 * @param tokenTypeIds null: every token in segment 0
 * @param attentionMask null: every token is real
 */
public record EncoderBatch(int batch, int seq, int[] inputIds, int[] tokenTypeIds, int[] attentionMask) {
    public EncoderBatch {
        if (batch <= 0 || seq <= 0) throw new IllegalArgumentException("encoder batch must be non-empty: " + batch + " x " + seq);
        if (inputIds != null) check("input_ids", inputIds, batch * seq);
        if (tokenTypeIds != null) check("token_type_ids", tokenTypeIds, batch * seq);
        if (attentionMask != null) {
            check("attention_mask", attentionMask, batch * seq);
            for (int m : attentionMask)
                if (m != 0 && m != 1) throw new IllegalArgumentException("attention_mask holds " + m + ", not 0 or 1");
        }
    }

    /** A batch without ids, for {@code BertModel.forward(batch, inputsEmbeds)}. */
    public static EncoderBatch ofEmbeds(int batch, int seq, int[] tokenTypeIds, int[] attentionMask) {
        return new EncoderBatch(batch, seq, null, tokenTypeIds, attentionMask);
    }

    private static void check(String what, int[] a, int n) {
        if (a == null || a.length != n)
            throw new IllegalArgumentException(what + " has " + (a == null ? "no" : a.length) + " entries, expected B*T = " + n);
    }

    /** The mask as rows [B][T]. */
    public int[][] maskRows() {
        int[][] rows = new int[batch][];
        for (int b = 0; b < batch; b++)
            rows[b] = attentionMask == null ? filledOnes(seq) : Arrays.copyOfRange(attentionMask, b * seq, (b + 1) * seq);
        return rows;
    }

    private static int[] filledOnes(int n) {
        int[] a = new int[n];
        Arrays.fill(a, 1);
        return a;
    }
}
