package cortado.data.tokenizer;

import cortado.data.normalize.BertNormalizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Trains a WordPiece vocabulary as HF's {@code WordPieceTrainer} does: that is its BpeTrainer with
 * {@code continuing_subword_prefix = "##"} over BERT-normalized, BERT-split words, converted to WordPiece by keeping the
 * vocabulary. Ids, in HF's order: the special tokens (first occurrence of each); the alphabet (every character of the
 * words, weighted by word count, plus the initial alphabet; above {@code limitAlphabet} the rarest are dropped), sorted
 * by code point; the {@code ##c} form of every character seen after the start of a word; then one id per new token
 * of the BPE merges ({@link PairMerger}), where a merge joins its left part with its right part minus the prefix.
 * A character outside the kept alphabet is left out of the word (a word whose first character is dropped then starts
 * with a {@code ##} symbol, as in HF).
 *
 * <p>HF itself is not deterministic here: it gives the {@code ##c} tokens their ids in the iteration order of a hash
 * map of words (random per process), and the ids break count ties between merges, so two HF runs on one corpus can
 * differ. Cortado visits the distinct words in sorted order instead; everything else is HF's rule, and with HF's
 * {@code ##c} order given ({@link #train(List, Config, TrainingProgress, List)}) the vocabulary is HF's, id for id.
 */
public final class WordPieceTrainer {
    /**
     * @param vocabSize       target size including the special tokens
     * @param specialTokens   first ids, in this order; must include {@code [UNK]}
     * @param minFrequency    a pair occurring fewer times is never merged
     * @param lowercase       BERT uncased normalization (lowercase and strip accents) or cased
     * @param limitAlphabet   keep at most this many characters (the most frequent); 0 for no limit
     * @param initialAlphabet characters always in the alphabet (they outrank every count when the alphabet is limited)
     * @param threads         threads for word counting
     */
    public record Config(int vocabSize, List<String> specialTokens, long minFrequency, boolean lowercase, int limitAlphabet,
                         Set<Integer> initialAlphabet, int threads) {
        public Config {
            specialTokens = List.copyOf(specialTokens);
            initialAlphabet = Set.copyOf(initialAlphabet);
            if (!specialTokens.contains("[UNK]")) {
                throw new IllegalArgumentException("WordPiece training needs [UNK] among the special tokens");
            }
            if (limitAlphabet < 0) throw new IllegalArgumentException("limit alphabet " + limitAlphabet + " is negative");
        }

        /** No alphabet limit and no initial alphabet (HF's defaults). */
        public Config(int vocabSize, List<String> specialTokens, long minFrequency, boolean lowercase, int threads) {
            this(vocabSize, specialTokens, minFrequency, lowercase, 0, Set.of(), threads);
        }

        public static List<String> bertSpecials() { return VocabTxt.BERT_SPECIALS; }
    }

    private static final String PREFIX = "##";

    private WordPieceTrainer() {}

    public static WordPieceTokenizer train(List<String> texts, Config c, TrainingProgress progress) {
        return train(texts, c, progress, List.of());
    }

    /**
     * As {@link #train(List, Config, TrainingProgress)}, with the {@code ##c} tokens of these code points taking their
     * ids first and in this order (the order one HF run happened to give them; the parity test passes HF's order in).
     */
    static WordPieceTokenizer train(List<String> texts, Config c, TrainingProgress progress, List<Integer> continuingOrder) {
        BertNormalizer norm = BertNormalizer.of(c.lowercase());
        Map<String, long[]> counts = WordCounter.count(texts, c.threads(),
                (t, sink) -> BertPreTokenizer.split(norm.normalize(t)).forEach(sink));

        List<String> vocab = new ArrayList<>();
        Map<String, Integer> id = new HashMap<>();
        for (String s : c.specialTokens()) add(s, vocab, id);
        for (int cp : alphabet(counts, c)) add(Character.toString(cp), vocab, id);
        for (int cp : continuingOrder) add(PREFIX + Character.toString(cp), vocab, id);

        String[] distinct = counts.keySet().toArray(new String[0]);
        Arrays.sort(distinct);
        int[][] words = new int[distinct.length][];
        long[] freq = new long[distinct.length];
        for (int i = 0; i < distinct.length; i++) {
            int[] cps = distinct[i].codePoints().toArray();
            int[] s = new int[cps.length];
            int n = 0;
            for (int k = 0; k < cps.length; k++) {
                String ch = Character.toString(cps[k]);
                if (!id.containsKey(ch)) continue;  // outside the kept alphabet
                s[n++] = add(k == 0 ? ch : PREFIX + ch, vocab, id);
            }
            words[i] = Arrays.copyOf(s, n);
            freq[i] = counts.get(distinct[i])[0];
        }
        new PairMerger(words, freq, vocab, (a, b) -> a + (b.startsWith(PREFIX) ? b.substring(PREFIX.length()) : b))
                .run(c.vocabSize(), c.minFrequency(), progress);
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (String s : c.specialTokens()) specials.putIfAbsent(s, vocab.indexOf(s));
        return new WordPieceTokenizer(vocab, norm, "[UNK]", PREFIX, 100, specials);
    }

    /**
     * HF's {@code compute_alphabet}: characters weighted by word count, the initial alphabet counted as infinitely
     * frequent; above the limit the rarest are removed (HF breaks count ties in hash order, Cortado removes the larger
     * code point first); the rest sorted by code point.
     */
    private static List<Integer> alphabet(Map<String, long[]> counts, Config c) {
        Map<Integer, Long> freq = new HashMap<>();
        counts.forEach((w, n) -> w.codePoints().forEach(cp -> freq.merge(cp, n[0], Long::sum)));
        for (int cp : c.initialAlphabet()) freq.put(cp, Long.MAX_VALUE);
        List<Integer> kept = new ArrayList<>(freq.keySet());
        if (c.limitAlphabet() > 0 && kept.size() > c.limitAlphabet()) {
            kept.sort(Comparator.<Integer>comparingLong(freq::get).thenComparing(Comparator.reverseOrder()));
            kept = new ArrayList<>(kept.subList(kept.size() - c.limitAlphabet(), kept.size()));
        }
        kept.sort(null);
        return kept;
    }

    /** The id of token, appended to the vocabulary if new. */
    private static int add(String token, List<String> vocab, Map<String, Integer> id) {
        return id.computeIfAbsent(token, t -> {
            vocab.add(t);
            return vocab.size() - 1;
        });
    }
}
