package cortado.data.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OpenAI's {@code .tiktoken} rank files: one {@code base64(token bytes) rank} per line. The file holds no pattern
 * and no special tokens; like tiktoken we choose them by the encoding's name (the file name without extension), and
 * a caller may override the pattern.
 */
public final class TiktokenFile {
    private TiktokenFile() {}

    /** Loads with the pattern and special tokens tiktoken uses for the file's name (gpt2, r50k_base, p50k_base, ...). */
    public static BpeTokenizer load(Path file) { return load(file, null); }

    /** Loads with {@code pattern} (Rust regex syntax) or, when null, the one tiktoken uses for this name. */
    public static BpeTokenizer load(Path file, String pattern) {
        String name = VocabText.baseName(file);
        if (name.endsWith(".tiktoken")) name = name.substring(0, name.length() - ".tiktoken".length());
        String pat = pattern != null ? pattern : SplitPatterns.forEncoding(name);
        if (pat == null) {
            throw new TokenizerException(file + ": unknown encoding name '" + name
                    + "'; pass a pre-tokenization pattern (gpt2, r50k_base, p50k_base, cl100k_base, o200k_base are known)");
        }
        return fromRanks(name, readRanks(file), pat, specialTokensFor(name));
    }

    /** The special tokens tiktoken registers for a named encoding. */
    public static Map<String, Integer> specialTokensFor(String name) {
        Map<String, Integer> s = new LinkedHashMap<>();
        switch (name) {
            case "gpt2", "r50k_base", "p50k_base" -> s.put("<|endoftext|>", 50256);
            case "p50k_edit" -> {
                s.put("<|endoftext|>", 50256);
                s.put("<|fim_prefix|>", 50281);
                s.put("<|fim_middle|>", 50282);
                s.put("<|fim_suffix|>", 50283);
            }
            case "cl100k_base" -> {
                s.put("<|endoftext|>", 100257);
                s.put("<|fim_prefix|>", 100258);
                s.put("<|fim_middle|>", 100259);
                s.put("<|fim_suffix|>", 100260);
                s.put("<|endofprompt|>", 100276);
            }
            case "o200k_base" -> {
                s.put("<|endoftext|>", 199999);
                s.put("<|endofprompt|>", 200018);
            }
            default -> { }
        }
        return s;
    }

    /** Token bytes by rank; ranks must be distinct. Errors name the file and line. */
    public static byte[][] readRanks(Path file) {
        String text = VocabText.read(file);
        Map<Integer, byte[]> byRank = new HashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        int max = -1;
        int lineNo = 0;
        int pos = 0;
        Base64.Decoder b64 = Base64.getDecoder();
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            if (nl < 0) nl = text.length();
            String line = text.substring(pos, nl);
            pos = nl + 1;
            lineNo++;
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (line.isEmpty()) continue;
            int sp = line.indexOf(' ');
            if (sp <= 0 || line.indexOf(' ', sp + 1) >= 0) {
                throw TokenizerException.at(file.toString(), lineNo, "expected 'base64-token rank', got '" + clip(line) + "'");
            }
            byte[] tok;
            int rank;
            try {
                tok = b64.decode(line.substring(0, sp));
            } catch (IllegalArgumentException e) {
                throw TokenizerException.at(file.toString(), lineNo, "token is not base64: '" + clip(line) + "'");
            }
            try {
                rank = Integer.parseInt(line.substring(sp + 1));
            } catch (NumberFormatException e) {
                throw TokenizerException.at(file.toString(), lineNo, "rank is not an integer: '" + clip(line) + "'");
            }
            if (rank < 0 || rank > 50_000_000) throw TokenizerException.at(file.toString(), lineNo, "rank out of range: " + rank);
            if (byRank.put(rank, tok) != null) throw TokenizerException.at(file.toString(), lineNo, "duplicate rank " + rank);
            Integer prev = seen.put(new String(tok, StandardCharsets.ISO_8859_1), rank);
            if (prev != null) throw TokenizerException.at(file.toString(), lineNo, "token also has rank " + prev);
            max = Math.max(max, rank);
        }
        if (byRank.isEmpty()) throw TokenizerException.in(file.toString(), "no ranks in file");
        byte[][] out = new byte[max + 1][];
        byRank.forEach((r, b) -> out[r] = b);
        return out;
    }

    /**
     * A tokenizer with tiktoken's merge rule: two adjacent parts merge when their concatenation is a token, at that
     * token's rank. We enumerate, for every token, each split into two tokens.
     */
    public static BpeTokenizer fromRanks(String name, byte[][] ranks, String pattern, Map<String, Integer> specials) {
        return fromRanks(name, ranks, null, pattern, specials);
    }

    /** As above, remembering the vocabulary's listed merges (GPT-2's vocab.bpe) so it can be saved as tokenizer.json. */
    static BpeTokenizer fromRanks(String name, byte[][] ranks, int[][] mergeList, String pattern,
                                  Map<String, Integer> specials) {
        Map<String, Integer> idOf = new HashMap<>(ranks.length * 2);
        for (int i = 0; i < ranks.length; i++) {
            if (ranks[i] != null) idOf.put(new String(ranks[i], StandardCharsets.ISO_8859_1), i);
        }
        MergeTable merges = new MergeTable(ranks.length * 2);
        for (int id = 0; id < ranks.length; id++) {
            byte[] t = ranks[id];
            if (t == null || t.length < 2) continue;
            String s = new String(t, StandardCharsets.ISO_8859_1);
            for (int k = 1; k < s.length(); k++) {
                Integer l = idOf.get(s.substring(0, k));
                if (l == null) continue;
                Integer r = idOf.get(s.substring(k));
                if (r != null) merges.put(l, r, id, id);
            }
        }
        return new BpeTokenizer(name, ranks, merges, mergeList, true, pattern, PreTokenizers.forPattern(pattern), null,
                specials);
    }

    static String clip(String s) { return s.length() <= 60 ? s : s.substring(0, 57) + "..."; }
}
