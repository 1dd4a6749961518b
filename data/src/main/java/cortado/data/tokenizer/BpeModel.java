package cortado.data.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * HF's BPE model over the characters of a piece (SentencePiece-style BPE as Llama 2, Mistral and TinyLlama ship it, and
 * byte-level BPE outside the fast path): each character is a symbol ({@code continuing_subword_prefix} before all but
 * the first, {@code end_of_word_suffix} after the last); a character missing from the vocabulary becomes its UTF-8
 * bytes as {@code <0xXX>} tokens with {@code byte_fallback}, else the unknown token (runs fused into one with
 * {@code fuse_unk}); then merges by rank, leftmost first. {@code ignore_merges} emits a piece that is a vocabulary
 * entry whole. Mirrors {@code BPE::merge_word} in tokenizers/src/models/bpe/model.rs.
 */
public final class BpeModel implements SubwordModel {
    private static final int CACHE_LIMIT = 1 << 16, CACHEABLE = 256;

    private final Map<String, Integer> vocab;
    private final String[] byId;
    private final MergeTable merges;
    private final String prefix, suffix;
    private final int unkId;
    private final boolean fuseUnk, byteFallback, ignoreMerges;
    private final int[] byteIds = new int[256];
    private final ThreadLocal<Map<String, int[]>> cache = ThreadLocal.withInitial(HashMap::new);
    private final ThreadLocal<BytePairEncoder> encoder;

    /**
     * @param merges pairs of tokens in rank order; the merged token is left + right without the prefix, as HF builds it
     * @param unk    the unknown token, or null
     */
    public BpeModel(Map<String, Integer> vocab, String[][] merges, String unk, String prefix, String suffix,
                    boolean fuseUnk, boolean byteFallback, boolean ignoreMerges) {
        this.vocab = vocab;
        int max = -1;
        for (int id : vocab.values()) max = Math.max(max, id);
        this.byId = new String[max + 1];
        for (var e : vocab.entrySet()) byId[e.getValue()] = e.getKey();
        this.prefix = prefix == null ? "" : prefix;
        this.suffix = suffix == null ? "" : suffix;
        Integer u = unk == null ? null : vocab.get(unk);
        if (unk != null && u == null) throw new TokenizerException("model.unk_token '" + unk + "' is not in model.vocab");
        this.unkId = u == null ? -1 : u;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        this.merges = new MergeTable(merges.length);
        for (int r = 0; r < merges.length; r++) {
            String a = merges[r][0], b = merges[r][1];
            Integer l = vocab.get(a), rt = vocab.get(b);
            if (l == null || rt == null) {
                throw new TokenizerException("model.merges[" + r + "] uses '" + TiktokenFile.clip(l == null ? a : b)
                        + "' that is not in model.vocab");
            }
            String joined = a + (b.length() >= this.prefix.length() ? b.substring(this.prefix.length()) : "");
            Integer m = vocab.get(joined);
            if (m == null) {
                throw new TokenizerException("model.merges[" + r + "] makes '" + TiktokenFile.clip(joined)
                        + "' that is not in model.vocab");
            }
            this.merges.put(l, rt, r, m);
        }
        MergeTable t = this.merges;
        this.encoder = ThreadLocal.withInitial(() -> new BytePairEncoder(t));
    }

    @Override
    public void tokenize(String piece, IntList out) {
        if (piece.isEmpty()) return;
        if (ignoreMerges) {
            Integer whole = vocab.get(piece);
            if (whole != null) { out.add(whole); return; }
        }
        Map<String, int[]> c = piece.length() <= CACHEABLE ? cache.get() : null;
        int[] hit = c == null ? null : c.get(piece);
        if (hit == null) {
            hit = merge(piece);
            if (c != null) {
                if (c.size() >= CACHE_LIMIT) c.clear();
                c.put(piece, hit);
            }
        }
        out.addAll(hit, 0, hit.length);
    }

    private int[] merge(String w) {
        IntList syms = new IntList(w.length() + 4);
        int unk = -1;  // pending unknown symbol (fused runs stay one)
        for (int i = 0; i < w.length(); ) {
            int cp = w.codePointAt(i);
            int end = i + Character.charCount(cp);
            String s = w.substring(i, end);
            if (i > 0) s = prefix + s;
            if (end == w.length()) s = s + suffix;
            i = end;
            Integer id = vocab.get(s);
            if (id != null) {
                if (unk >= 0) { syms.add(unk); unk = -1; }
                syms.add(id);
                continue;
            }
            if (byteFallback) {
                byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : bytes) all &= byteIds[b & 0xff] >= 0;
                if (all) {
                    // HF does not flush a pending unknown here; the byte tokens go first, as in merge_word.
                    for (byte b : bytes) syms.add(byteIds[b & 0xff]);
                    continue;
                }
            }
            if (unkId >= 0) {
                if (unk >= 0 && !fuseUnk) syms.add(unk);
                unk = unkId;
            }
        }
        if (unk >= 0) syms.add(unk);
        int[] a = syms.toArray();
        int n = encoder.get().merge(a, a.length);
        return java.util.Arrays.copyOf(a, n);
    }

    @Override
    public String token(int id) { return id >= 0 && id < byId.length ? byId[id] : null; }

    @Override
    public int id(String token) { return vocab.getOrDefault(token, -1); }

    @Override
    public int size() { return byId.length; }
}
