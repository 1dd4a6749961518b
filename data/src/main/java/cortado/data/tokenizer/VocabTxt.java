package cortado.data.tokenizer;

import cortado.data.normalize.BertNormalizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** BERT's {@code vocab.txt}: one token per line, the line number (from 0) is the id. */
public final class VocabTxt {
    private VocabTxt() {}

    public static final List<String> BERT_SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    /** BERT uncased ({@code lowercase}) or cased WordPiece tokenizer over the file's vocabulary. */
    public static WordPieceTokenizer load(Path file, boolean lowercase) {
        List<String> vocab = read(file);
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (String s : BERT_SPECIALS) {
            int id = vocab.indexOf(s);
            if (id >= 0) specials.put(s, id);
        }
        if (!specials.containsKey("[UNK]")) throw TokenizerException.in(file.toString(), "no [UNK] token in vocabulary");
        return new WordPieceTokenizer(vocab, BertNormalizer.of(lowercase), "[UNK]", "##", 100, specials);
    }

    public static List<String> read(Path file) {
        String text = VocabText.read(file);
        List<String> vocab = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        String[] lines = text.split("\n", -1);
        int n = lines.length;
        if (n > 0 && lines[n - 1].isEmpty()) n--;  // final newline
        for (int i = 0; i < n; i++) {
            String t = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (t.isEmpty()) throw TokenizerException.at(file.toString(), i + 1, "empty token");
            Integer prev = seen.put(t, i);
            if (prev != null) throw TokenizerException.at(file.toString(), i + 1, "token '" + t + "' repeats line " + (prev + 1));
            vocab.add(t);
        }
        if (vocab.isEmpty()) throw TokenizerException.in(file.toString(), "empty vocabulary");
        return vocab;
    }
}
