package cortado.data.tokenizer;

/**
 * The post-processor of a tokenizer.json pipeline (HF's {@code PostProcessor}): wraps the ids of one sequence, or of
 * a pair, in the model's special tokens. Without special tokens the sequences are only concatenated (type 0, then 1).
 */
public interface PostProcessor {
    Encoding process(int[] a, int[] b, boolean addSpecialTokens);

    /** How many special tokens {@link #process} adds. */
    int addedTokens(boolean pair);

    /** HF's default when tokenizer.json has none (also ByteLevel, which only adjusts offsets). */
    PostProcessor NONE = new PostProcessor() {
        @Override
        public Encoding process(int[] a, int[] b, boolean addSpecialTokens) { return concat(a, 0, b, 1); }

        @Override
        public int addedTokens(boolean pair) { return 0; }
    };

    static Encoding concat(int[] a, int typeA, int[] b, int typeB) {
        int n = a.length + (b == null ? 0 : b.length);
        int[] ids = java.util.Arrays.copyOf(a, n), types = new int[n], mask = new int[n];
        java.util.Arrays.fill(types, 0, a.length, typeA);
        if (b != null) {
            System.arraycopy(b, 0, ids, a.length, b.length);
            java.util.Arrays.fill(types, a.length, n, typeB);
        }
        java.util.Arrays.fill(mask, 1);
        return new Encoding(ids, types, mask);
    }
}
