package cortado.data.clean;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Exact deduplication: the first document with a given normalized text is kept, later ones are duplicates.
 *
 * <p>Texts are compared by a MurmurHash3 x64-128 hash of their normalized form (lower case, runs of whitespace as one
 * space, trimmed), keeping 64 or 128 bits. With 64 bits the chance that any two of n distinct documents collide is
 * about n^2 / 2^65 (1 in 37 million for a million documents); 128 bits make it negligible at any corpus size. Memory is
 * one hash per distinct document (see {@link LongHashSet}), the one part of the pipeline that grows with the corpus.
 */
public final class ExactDeduplicator {
    private final int bits;
    private final LongHashSet seen = new LongHashSet(1 << 16);

    public ExactDeduplicator(int bits) {
        if (bits != 64 && bits != 128) throw new IllegalArgumentException("hash bits must be 64 or 128, got " + bits);
        this.bits = bits;
    }

    /** True when an equal (normalized) text was seen before; otherwise remembers this one and returns false. */
    public boolean isDuplicate(String text) {
        long[] h = key(text, bits);
        return !seen.add(h[0], h[1]);
    }

    /** The key documents are compared by: the hash of the normalized text, its second half 0 with 64 bits. */
    public static long[] key(String text, int bits) {
        byte[] b = normalize(text).getBytes(StandardCharsets.UTF_8);
        long[] h = Hashing.murmur3x64_128(b, 0, b.length, 0x5eed);
        if (bits != 128) h[1] = 0;
        return h;
    }

    /** Distinct texts seen. */
    public int distinct() { return seen.size(); }

    /** Lower case, whitespace runs collapsed to one space, leading and trailing whitespace removed. */
    public static String normalize(String text) {
        StringBuilder b = new StringBuilder(text.length());
        boolean space = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                space = b.length() > 0;
            } else {
                if (space) b.append(' ');
                space = false;
                b.append(c);
            }
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }
}
