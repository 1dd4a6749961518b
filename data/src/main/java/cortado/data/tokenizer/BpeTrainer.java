package cortado.data.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a byte-level BPE vocabulary as HF's BpeTrainer does with ByteLevel pre-tokenization: ids are the special
 * tokens first, then the 256 byte symbols ordered by their byte-level character, then one id per merge.
 */
public final class BpeTrainer {
    /**
     * @param vocabSize     target size including specials and the 256 byte symbols
     * @param specialTokens e.g. {@code <|endoftext|>}
     * @param minFrequency  a pair occurring fewer times is never merged
     * @param pattern       pre-tokenization regex (HF's ByteLevel default: {@link SplitPatterns#GPT2_ORIGINAL})
     * @param threads       threads for word counting
     */
    public record Config(int vocabSize, List<String> specialTokens, long minFrequency, String pattern, int threads) {
        public Config {
            if (vocabSize < 256 + specialTokens.size()) {
                throw new IllegalArgumentException("vocab size " + vocabSize + " is below 256 byte symbols + "
                        + specialTokens.size() + " special tokens");
            }
        }
    }

    private BpeTrainer() {}

    public static BpeTokenizer train(List<String> texts, Config c, TrainingProgress progress) {
        PreTokenizer pre = PreTokenizers.forPattern(c.pattern(), true);
        Map<String, long[]> counts = WordCounter.count(texts, c.threads(),
                (t, sink) -> pre.split(t, 0, t.length(), (s, e) -> sink.accept(t.substring(s, e))));

        List<String> vocab = new ArrayList<>(c.vocabSize());
        vocab.addAll(c.specialTokens());
        char[] alphabet = ByteLevel.alphabet();
        Arrays.sort(alphabet);
        int[] byteId = new int[256];
        for (char ch : alphabet) {
            byteId[ByteLevel.decode(String.valueOf(ch))[0] & 0xff] = vocab.size();
            vocab.add(String.valueOf(ch));
        }

        // Sorted words make the run independent of hash order (ties are also broken by ids, so this is belt and braces).
        String[] distinct = counts.keySet().toArray(new String[0]);
        Arrays.sort(distinct);
        int[][] words = new int[distinct.length][];
        long[] freq = new long[distinct.length];
        for (int i = 0; i < distinct.length; i++) {
            byte[] b = distinct[i].getBytes(StandardCharsets.UTF_8);
            int[] s = new int[b.length];
            for (int k = 0; k < b.length; k++) s[k] = byteId[b[k] & 0xff];
            words[i] = s;
            freq[i] = counts.get(distinct[i])[0];
        }
        List<int[]> merges = new PairMerger(words, freq, vocab, String::concat).run(c.vocabSize(), c.minFrequency(), progress);

        byte[][] tokenBytes = new byte[vocab.size()][];
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (int id = 0; id < vocab.size(); id++) {
            if (id < c.specialTokens().size()) specials.put(vocab.get(id), id);
            else tokenBytes[id] = ByteLevel.decode(vocab.get(id));
        }
        return BpeTokenizer.fromMerges("trained", tokenBytes, merges.toArray(new int[0][]), false, c.pattern(),
                PreTokenizers.forPattern(c.pattern()), null, specials);
    }

    static Map<String, Integer> index(List<String> vocab) {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) m.put(vocab.get(i), i);
        return m;
    }
}
