package cortado.data.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * A model input: token ids, token type (segment) ids, and the attention mask (1 = real token, 0 = padding), all of
 * one length.
 */
public record Encoding(int[] ids, int[] typeIds, int[] attentionMask) {
    public Encoding {
        if (typeIds.length != ids.length || attentionMask.length != ids.length) {
            throw new IllegalArgumentException("ids, type ids and attention mask differ in length");
        }
    }

    public int length() { return ids.length; }

    /** Right-padded to {@code length} with {@code padId} (type 0, mask 0); unchanged when already that long. */
    public Encoding padTo(int length, int padId) {
        if (ids.length >= length) return this;
        int[] i = Arrays.copyOf(ids, length), t = Arrays.copyOf(typeIds, length), m = Arrays.copyOf(attentionMask, length);
        Arrays.fill(i, ids.length, length, padId);
        return new Encoding(i, t, m);
    }

    /** Pads every encoding of a batch to the longest one. */
    public static List<Encoding> padToLongest(List<Encoding> batch, int padId) {
        int max = batch.stream().mapToInt(Encoding::length).max().orElse(0);
        return batch.stream().map(e -> e.padTo(max, padId)).toList();
    }
}
