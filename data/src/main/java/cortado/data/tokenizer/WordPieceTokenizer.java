package cortado.data.tokenizer;

import cortado.data.normalize.TextNormalizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * WordPiece (Schuster & Nakajima 2012; BERT, Devlin et al. 2019): normalize, split into words, then cover each word
 * greedily with the longest vocabulary entry from the left, later pieces spelled with the continuation prefix
 * {@code ##}. A word that cannot be covered, or is longer than {@code maxInputCharsPerWord} code points, becomes the
 * unknown token as a whole.
 */
public final class WordPieceTokenizer implements Tokenizer {
    private final String[] vocab;
    private final Map<String, Integer> ids;
    private final TextNormalizer normalizer;
    private final String unkToken;
    private final int unkId;
    private final String prefix;
    private final int maxInputCharsPerWord;
    private final Map<String, Integer> specialTokens;

    /**
     * @param vocab         tokens by id
     * @param normalizer    applied to text before word splitting (BertNormalizer for BERT)
     * @param specialTokens tokens recognised in text when the caller allows them ([CLS], [SEP], ...), text -> id
     */
    public WordPieceTokenizer(List<String> vocab, TextNormalizer normalizer, String unkToken, String prefix,
                              int maxInputCharsPerWord, Map<String, Integer> specialTokens) {
        this.vocab = vocab.toArray(new String[0]);
        this.ids = new HashMap<>(vocab.size() * 2);
        for (int i = 0; i < this.vocab.length; i++) ids.putIfAbsent(this.vocab[i], i);
        this.normalizer = normalizer;
        this.unkToken = unkToken;
        Integer unk = ids.get(unkToken);
        if (unk == null) throw new TokenizerException("WordPiece vocabulary has no unknown token '" + unkToken + "'");
        this.unkId = unk;
        this.prefix = prefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        this.specialTokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
    }

    public String unkToken() { return unkToken; }

    public String continuingPrefix() { return prefix; }

    public int maxInputCharsPerWord() { return maxInputCharsPerWord; }

    public TextNormalizer normalizer() { return normalizer; }

    public Map<String, Integer> specialTokens() { return specialTokens; }

    public List<String> vocab() { return List.of(vocab); }

    /** Id of {@code token}, or -1. */
    public int tokenId(String token) { return ids.getOrDefault(token, -1); }

    public String token(int id) { return vocab[id]; }

    /** Ids of text; special-token strings in it are ordinary text. No [CLS]/[SEP]: see {@link TemplateProcessor}. */
    @Override
    public int[] encode(String text) {
        IntList out = new IntList(text.length() / 4 + 4);
        encodeOrdinary(text, out);
        return out.toArray();
    }

    /** Ids of text in which the {@code allowed} special tokens are recognised (matched on the raw text). */
    public int[] encode(String text, Set<String> allowed) {
        IntList out = new IntList(text.length() / 4 + 4);
        int pos = 0;
        while (pos < text.length()) {
            int best = -1;
            String tok = null;
            for (String s : allowed) {
                if (!specialTokens.containsKey(s)) continue;
                int at = text.indexOf(s, pos);
                if (at >= 0 && (best < 0 || at < best || (at == best && s.length() > tok.length()))) { best = at; tok = s; }
            }
            if (best < 0) break;
            encodeOrdinary(text.substring(pos, best), out);
            out.add(specialTokens.get(tok));
            pos = best + tok.length();
        }
        encodeOrdinary(text.substring(pos), out);
        return out.toArray();
    }

    public int[] encodeWithSpecialTokens(String text) { return encode(text, specialTokens.keySet()); }

    private void encodeOrdinary(String text, IntList out) {
        if (text.isEmpty()) return;
        for (String word : BertPreTokenizer.split(normalizer.normalize(text))) encodeWord(word, out);
    }

    /** Greedy longest-match-first over code-point boundaries. */
    void encodeWord(String word, IntList out) {
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            int found = -1;
            while (end > start) {
                String sub = word.substring(start, end);
                if (start > 0) sub = prefix + sub;
                Integer id = ids.get(sub);
                if (id != null) { found = id; break; }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found < 0) {
                out.add(unkId);
                return;
            }
            pieces.add(found);
            start = end;
        }
        for (int id : pieces) out.add(id);
        assert out.size() >= mark;
    }

    /**
     * Tokens joined as HF's BertWordPieceTokenizer decodes by default: special tokens skipped, then the WordPiece
     * decoder ("##" pieces glue on, others get a space, cleanup per token).
     */
    @Override
    public String decode(int[] ids) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String t = vocab[id];
            if (!specialTokens.containsKey(t)) tokens.add(t);
        }
        return TokenDecoder.wordPiece(prefix, true).decode(tokens);
    }

    /** HF's decoder cleanup: no space before punctuation and English contractions. */
    static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    @Override
    public int vocabSize() { return vocab.length; }

    /** BERT separates documents with [SEP]. */
    @Override
    public int endOfTextId() { return specialTokens.getOrDefault("[SEP]", -1); }
}
