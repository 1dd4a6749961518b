package cortado.data.tokenizer;

import cortado.data.normalize.TextNormalizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Byte-level BPE as GPT-2, tiktoken and Hugging Face's ByteLevel BPE do it: split the text at special tokens that the
 * caller allows, pre-tokenize each part with a regex, spell each piece in UTF-8 bytes and merge bytes by rank.
 *
 * <p>Two merge disciplines exist and both are exact here. tiktoken has no merge list: two adjacent parts merge when
 * their concatenated bytes are a token, with that token's rank, and a piece that is itself a token is emitted whole.
 * Hugging Face lists merges explicitly ({@code "a b"} lines, rank = line index). Both become a {@link MergeTable};
 * {@link #wholePieceLookup} selects tiktoken's (and HF's {@code ignore_merges}) short cut.
 *
 * <p>Encoding keeps a per-thread cache from piece text to ids; English text repeats its pieces, so most pieces cost
 * one hash lookup.
 */
public final class BpeTokenizer implements Tokenizer {
    private static final int CACHEABLE_CHARS = 64;

    private final String name;
    private final byte[][] tokenBytes;
    private final int[] byteToId = new int[256];
    private final MergeTable merges;
    private final int[][] mergeList;  // explicit merges in rank order, when the vocabulary has them (for saving)
    private final boolean wholePieceLookup;
    private final TextNormalizer normalizer;
    private final Map<String, Integer> pieceToId;  // token bytes as a Latin-1 string -> id
    private final PreTokenizer preTokenizer;
    private final String pattern;
    private final Map<String, Integer> specialTokens;
    private final Map<Integer, String> specialById = new HashMap<>();
    private final int endOfText;
    private final ThreadLocal<Scratch> scratch;

    /**
     * @param tokenBytes       bytes of each ordinary token by id (null for ids that are special or unused)
     * @param merges           merge rules over ids
     * @param wholePieceLookup emit a piece that is itself a token without merging (tiktoken; HF ignore_merges)
     * @param pattern          pre-tokenization regex (Rust syntax, see {@link RegexPreTokenizer})
     * @param specialTokens    special/added tokens: text -> id (recognised only when the caller allows them)
     */
    public BpeTokenizer(String name, byte[][] tokenBytes, MergeTable merges, boolean wholePieceLookup,
                        String pattern, Map<String, Integer> specialTokens) {
        this(name, tokenBytes, merges, null, wholePieceLookup, pattern, PreTokenizers.forPattern(pattern), null,
                specialTokens);
    }

    BpeTokenizer(String name, byte[][] tokenBytes, MergeTable merges, int[][] mergeList, boolean wholePieceLookup,
                 String pattern, PreTokenizer preTokenizer, TextNormalizer normalizer,
                 Map<String, Integer> specialTokens) {
        this.name = name;
        this.tokenBytes = tokenBytes;
        this.merges = merges;
        this.mergeList = mergeList;
        this.normalizer = normalizer;
        this.wholePieceLookup = wholePieceLookup;
        this.pattern = pattern;
        this.preTokenizer = preTokenizer;
        this.specialTokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
        java.util.Arrays.fill(byteToId, -1);
        this.pieceToId = new HashMap<>(tokenBytes.length * 2);
        for (int id = 0; id < tokenBytes.length; id++) {
            byte[] b = tokenBytes[id];
            if (b == null) continue;
            if (b.length == 1 && byteToId[b[0] & 0xff] < 0) byteToId[b[0] & 0xff] = id;
            pieceToId.putIfAbsent(new String(b, StandardCharsets.ISO_8859_1), id);
        }
        for (int b = 0; b < 256; b++) {
            if (byteToId[b] < 0) throw new TokenizerException(name + ": vocabulary has no token for byte " + b
                    + " (byte-level BPE needs all 256)");
        }
        for (var e : this.specialTokens.entrySet()) specialById.put(e.getValue(), e.getKey());
        Integer eot = specialTokens.get("<|endoftext|>");
        this.endOfText = eot != null ? eot : -1;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(new BytePairEncoder(merges)));
    }

    /** Per-thread mutable state: the piece cache and buffers. */
    private static final class Scratch {
        final BytePairEncoder bpe;
        final PieceCache cache = new PieceCache(1 << 17);
        byte[] bytes = new byte[256];
        int[] syms = new int[256];

        Scratch(BytePairEncoder bpe) { this.bpe = bpe; }
    }

    /**
     * A tokenizer with listed merges (Hugging Face, GPT-2's vocab.bpe, our trainer): merge i has rank i and makes the
     * token whose bytes are the concatenation of its two sides, which must be in the vocabulary.
     */
    public static BpeTokenizer fromMerges(String name, byte[][] tokenBytes, int[][] mergeList, boolean wholePieceLookup,
                                          String pattern, PreTokenizer preTokenizer, TextNormalizer normalizer,
                                          Map<String, Integer> specialTokens) {
        Map<String, Integer> idOf = new HashMap<>(tokenBytes.length * 2);
        for (int i = 0; i < tokenBytes.length; i++) {
            if (tokenBytes[i] != null) idOf.putIfAbsent(new String(tokenBytes[i], StandardCharsets.ISO_8859_1), i);
        }
        MergeTable table = new MergeTable(mergeList.length);
        for (int r = 0; r < mergeList.length; r++) {
            int l = mergeList[r][0], rt = mergeList[r][1];
            Integer m = idOf.get(new String(tokenBytes[l], StandardCharsets.ISO_8859_1)
                    + new String(tokenBytes[rt], StandardCharsets.ISO_8859_1));
            if (m == null) throw new TokenizerException(name + ": merge " + r + " makes a token that is not in the vocabulary");
            table.put(l, rt, r, m);
        }
        return new BpeTokenizer(name, tokenBytes, table, mergeList, wholePieceLookup, pattern, preTokenizer, normalizer,
                specialTokens);
    }

    public String name() { return name; }

    /** The same vocabulary with whole-piece lookup on or off (HF's ignore_merges; tiktoken always has it on). */
    public BpeTokenizer withWholePieceLookup(boolean on) {
        return new BpeTokenizer(name, tokenBytes, merges, mergeList, on, pattern, preTokenizer, normalizer, specialTokens);
    }

    /** The same vocabulary pre-tokenized by {@code pattern} (HF's Split, Isolated: gaps between matches kept). */
    BpeTokenizer withPreTokenizer(String pattern) {
        return new BpeTokenizer(name, tokenBytes, merges, mergeList, wholePieceLookup, pattern,
                PreTokenizers.forPattern(pattern, true), normalizer, specialTokens);
    }

    /** The listed merges (pairs of ids, rank order), or null for a tiktoken rank vocabulary. */
    public int[][] mergeList() { return mergeList; }

    /** Number of ordinary (non-special) token ids, including unused ones. */
    public int ordinaryIds() { return tokenBytes.length; }

    public String pattern() { return pattern; }

    public MergeTable merges() { return merges; }

    public boolean wholePieceLookup() { return wholePieceLookup; }

    /** Special tokens, text -> id, in declaration order. */
    public Map<String, Integer> specialTokens() { return specialTokens; }

    /** Bytes of ordinary token {@code id}, or null when the id is special or unused. */
    public byte[] tokenBytes(int id) { return id >= 0 && id < tokenBytes.length ? tokenBytes[id] : null; }

    /** Id of the token whose bytes are exactly {@code bytes}, or -1. */
    public int tokenId(byte[] bytes) {
        Integer id = pieceToId.get(new String(bytes, StandardCharsets.ISO_8859_1));
        return id == null ? -1 : id;
    }

    /** Ids of ordinary text; special-token strings in it are encoded as text (tiktoken's encode_ordinary). */
    @Override
    public int[] encode(String text) {
        IntList out = new IntList(text.length() / 3 + 4);
        encodeOrdinary(clean(text), 0, text.length(), out);
        return out.toArray();
    }

    /** Ids of text in which the {@code allowed} special tokens are recognised (tiktoken's allowed_special). */
    public int[] encode(String text, Set<String> allowed) {
        if (allowed.isEmpty()) return encode(text);
        text = clean(text);
        IntList out = new IntList(text.length() / 3 + 4);
        int pos = 0;
        while (pos < text.length()) {
            int best = -1;
            String bestTok = null;
            for (String s : allowed) {
                Integer id = specialTokens.get(s);
                if (id == null) continue;
                int at = text.indexOf(s, pos);
                if (at >= 0 && (best < 0 || at < best || (at == best && s.length() > bestTok.length()))) {
                    best = at;
                    bestTok = s;
                }
            }
            if (best < 0) break;
            encodeOrdinary(text, pos, best, out);
            out.add(specialTokens.get(bestTok));
            pos = best + bestTok.length();
        }
        encodeOrdinary(text, pos, text.length(), out);
        return out.toArray();
    }

    /** Ids with every special token recognised. */
    public int[] encodeWithSpecialTokens(String text) { return encode(text, specialTokens.keySet()); }

    /** Pre-tokenizes and encodes text that is already clean and normalized (the tokenizer.json fast path). */
    void encodeSegment(String text, IntList out) {
        Scratch s = scratch.get();
        preTokenizer.split(text, 0, text.length(), (start, end) -> encodePiece(s, text, start, end, out));
    }

    /**
     * Encodes one piece spelled in {@link ByteLevel} characters (as HF's ByteLevel pre-tokenizer leaves it) with this
     * vocabulary's merges; a character outside the byte map has no id and is dropped, as HF's BPE without unk does.
     */
    void encodeByteLevelPiece(String spelled, IntList out) {
        Scratch s = scratch.get();
        int n = 0;
        if (s.bytes.length < spelled.length()) s.bytes = new byte[Math.max(spelled.length(), s.bytes.length * 2)];
        for (int i = 0; i < spelled.length(); i++) {
            byte[] one = ByteLevel.decode(spelled.substring(i, i + 1));
            if (one != null) s.bytes[n++] = one[0];
        }
        Integer whole = wholePieceLookup ? pieceToId.get(new String(s.bytes, 0, n, StandardCharsets.ISO_8859_1)) : null;
        if (whole != null) { out.add(whole); return; }
        if (s.syms.length < n) s.syms = new int[Math.max(n, s.syms.length * 2)];
        int[] syms = s.syms;
        for (int i = 0; i < n; i++) syms[i] = byteToId[s.bytes[i] & 0xff];
        int m = s.bpe.merge(syms, n);
        out.addAll(syms, 0, m);
    }

    private void encodeOrdinary(String text, int from, int to, IntList out) {
        if (from >= to) return;
        Scratch s = scratch.get();
        if (normalizer != null) {
            String seg = normalizer.normalize(text.substring(from, to));
            preTokenizer.split(seg, 0, seg.length(), (start, end) -> encodePiece(s, seg, start, end, out));
            return;
        }
        preTokenizer.split(text, from, to, (start, end) -> encodePiece(s, text, start, end, out));
    }

    private void encodePiece(Scratch s, String text, int start, int end, IntList out) {
        boolean cacheable = end - start <= CACHEABLE_CHARS;
        int h = 0;
        if (cacheable) {
            h = PieceCache.hash(text, start, end);
            int[] hit = s.cache.get(text, start, end, h);
            if (hit != null) {
                out.addAll(hit, 0, hit.length);
                return;
            }
        }
        int n = utf8(s, text, start, end);
        int[] ids;
        Integer whole = wholePieceLookup ? pieceToId.get(new String(s.bytes, 0, n, StandardCharsets.ISO_8859_1)) : null;
        if (whole != null) {
            ids = new int[] {whole};
        } else {
            if (s.syms.length < n) s.syms = new int[Math.max(n, s.syms.length * 2)];
            int[] syms = s.syms;
            for (int i = 0; i < n; i++) syms[i] = byteToId[s.bytes[i] & 0xff];
            int m = s.bpe.merge(syms, n);
            ids = java.util.Arrays.copyOf(syms, m);
        }
        if (cacheable) s.cache.put(text, start, end, h, ids);
        out.addAll(ids, 0, ids.length);
    }

    /** UTF-8 of text[start, end) into the scratch byte buffer; returns its length. */
    private static int utf8(Scratch s, String text, int start, int end) {
        int need = (end - start) * 3;
        if (s.bytes.length < need) s.bytes = new byte[Math.max(need, s.bytes.length * 2)];
        byte[] b = s.bytes;
        int n = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                b[n++] = (byte) c;
            } else if (c < 0x800) {
                b[n++] = (byte) (0xC0 | (c >> 6));
                b[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                b[n++] = (byte) (0xF0 | (cp >> 18));
                b[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                b[n++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                b[n++] = (byte) (0xE0 | (c >> 12));
                b[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return n;
    }

    /** Lone surrogates become U+FFFD before pre-tokenization, as tiktoken does for Python strings. */
    static String clean(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                StringBuilder b = new StringBuilder(text.length());
                for (int j = 0; j < text.length(); j++) {
                    char d = text.charAt(j);
                    if (Character.isHighSurrogate(d) && j + 1 < text.length() && Character.isLowSurrogate(text.charAt(j + 1))) {
                        b.append(d).append(text.charAt(++j));
                    } else {
                        b.append(Character.isSurrogate(d) ? '\uFFFD' : d);
                    }
                }
                return b.toString();
            }
        }
        return text;
    }

    /** The bytes {@code ids} stand for (special tokens as their UTF-8 text). */
    public byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            byte[] b = tokenBytes(id);
            if (b != null) {
                out.write(b, 0, b.length);
            } else {
                String sp = specialById.get(id);
                if (sp == null) throw new IllegalArgumentException("token id " + id + " is not in " + name);
                out.writeBytes(sp.getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    @Override
    public String decode(int[] ids) { return Utf8Lossy.decode(decodeBytes(ids)); }

    @Override
    public int vocabSize() {
        int max = tokenBytes.length;
        for (int id : specialTokens.values()) max = Math.max(max, id + 1);
        return max;
    }

    @Override
    public int endOfTextId() { return endOfText; }
}
