package cortado.data.tokenizer;

import cortado.data.normalize.BertNormalizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Trains a WordPiece vocabulary the way HF's WordPieceTrainer does: BPE merges over BERT-normalized, BERT-split words in
 * which every character after the first carries the {@code ##} prefix; a merged token keeps the prefix of its left
 * part only. The vocabulary is specials, the characters, their {@code ##} forms, then the merged tokens.
 */
public final class WordPieceTrainer {
    public record Config(int vocabSize, List<String> specialTokens, long minFrequency, boolean lowercase, int threads) {
        public static List<String> bertSpecials() { return VocabTxt.BERT_SPECIALS; }
    }

    private WordPieceTrainer() {}

    public static WordPieceTokenizer train(List<String> texts, Config c, TrainingProgress progress) {
        BertNormalizer norm = BertNormalizer.of(c.lowercase());
        Map<String, long[]> counts = WordCounter.count(texts, c.threads(),
                (t, sink) -> BertPreTokenizer.split(norm.normalize(t)).forEach(sink));
        String prefix = "##";
        TreeSet<Integer> initial = new TreeSet<>(), inner = new TreeSet<>();
        for (String w : counts.keySet()) {
            int[] cps = w.codePoints().toArray();
            initial.add(cps[0]);
            for (int i = 1; i < cps.length; i++) inner.add(cps[i]);
        }
        TreeSet<Integer> chars = new TreeSet<>(initial);
        chars.addAll(inner);
        List<String> vocab = new ArrayList<>(c.specialTokens());
        Map<String, Integer> id = new LinkedHashMap<>();
        for (int cp : chars) { id.put(Character.toString(cp), vocab.size()); vocab.add(Character.toString(cp)); }
        for (int cp : inner) { id.put(prefix + Character.toString(cp), vocab.size()); vocab.add(prefix + Character.toString(cp)); }

        String[] distinct = counts.keySet().toArray(new String[0]);
        Arrays.sort(distinct);
        int[][] words = new int[distinct.length][];
        long[] freq = new long[distinct.length];
        for (int i = 0; i < distinct.length; i++) {
            int[] cps = distinct[i].codePoints().toArray();
            int[] s = new int[cps.length];
            for (int k = 0; k < cps.length; k++) s[k] = id.get((k == 0 ? "" : prefix) + Character.toString(cps[k]));
            words[i] = s;
            freq[i] = counts.get(distinct[i])[0];
        }
        new PairMerger(words, freq, vocab, (a, b) -> a + (b.startsWith(prefix) ? b.substring(prefix.length()) : b))
                .run(c.vocabSize(), c.minFrequency(), progress);
        // Two merges can spell the same token (e.g. "a"+"##bc" and "ab"+"##c"); WordPiece keeps the first id.
        List<String> unique = new ArrayList<>(new java.util.LinkedHashSet<>(vocab));
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (String s : c.specialTokens()) specials.put(s, unique.indexOf(s));
        String unk = c.specialTokens().contains("[UNK]") ? "[UNK]" : null;
        if (unk == null) throw new IllegalArgumentException("WordPiece training needs [UNK] among the special tokens");
        return new WordPieceTokenizer(unique, norm, unk, prefix, 100, specials);
    }
}
