package cortado.data.tokenizer;

import java.util.Map;

/**
 * HF's WordPiece model: greedy longest match from the left, later pieces spelled with the continuation prefix; a word
 * that cannot be covered, or longer than {@code maxInputCharsPerWord} characters, is the unknown token as a whole.
 * Mirrors {@code WordPiece::tokenize} in tokenizers/src/models/wordpiece/mod.rs.
 */
public final class WordPieceModel implements SubwordModel {
    private final Map<String, Integer> vocab;
    private final String[] byId;
    private final int unkId;
    private final String prefix;
    private final int maxChars;

    public WordPieceModel(Map<String, Integer> vocab, String unk, String prefix, int maxChars) {
        this.vocab = vocab;
        int max = -1;
        for (int id : vocab.values()) max = Math.max(max, id);
        byId = new String[max + 1];
        for (var e : vocab.entrySet()) byId[e.getValue()] = e.getKey();
        Integer u = vocab.get(unk);
        if (u == null) throw new TokenizerException("model.unk_token '" + unk + "' is not in model.vocab");
        this.unkId = u;
        this.prefix = prefix;
        this.maxChars = maxChars;
    }

    @Override
    public void tokenize(String word, IntList out) {
        if (word.codePointCount(0, word.length()) > maxChars) { out.add(unkId); return; }
        int mark = out.size();
        int start = 0;
        while (start < word.length()) {
            int end = word.length(), found = -1;
            while (end > start) {
                String sub = start > 0 ? prefix + word.substring(start, end) : word.substring(start, end);
                Integer id = vocab.get(sub);
                if (id != null) { found = id; break; }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found < 0) {
                while (out.size() > mark) out.removeLast();
                out.add(unkId);
                return;
            }
            out.add(found);
            start = end;
        }
    }

    @Override
    public String token(int id) { return id >= 0 && id < byId.length ? byId[id] : null; }

    @Override
    public int id(String token) { return vocab.getOrDefault(token, -1); }

    @Override
    public int size() { return byId.length; }
}
