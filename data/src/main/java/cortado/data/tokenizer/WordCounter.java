package cortado.data.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Counts the distinct words (pre-tokenized pieces) of a corpus, in parallel: the texts are split into one batch per
 * thread, each thread counts into its own map, and the maps are summed. Word counting, not merging, dominates BPE
 * training time on large corpora, so this is the part worth spreading over cores.
 */
final class WordCounter {
    private WordCounter() {}

    /**
     * @param texts    the corpus, e.g. its lines (each with its line ending, as HF's trainer reads files)
     * @param splitter emits the words of one text to the given sink
     */
    static Map<String, long[]> count(List<String> texts, int threads, BiConsumer<String, Consumer<String>> splitter) {
        threads = Math.max(1, Math.min(threads, texts.size() / 64 + 1));
        List<Map<String, long[]>> partial = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<Map<String, long[]>>> futures = new ArrayList<>();
            int per = (texts.size() + threads - 1) / threads;
            for (int t = 0; t < threads; t++) {
                int from = t * per, to = Math.min(texts.size(), from + per);
                futures.add(pool.submit(() -> {
                    Map<String, long[]> m = new HashMap<>();
                    Consumer<String> sink = w -> m.computeIfAbsent(w, k -> new long[1])[0]++;
                    for (int i = from; i < to; i++) splitter.accept(texts.get(i), sink);
                    return m;
                }));
            }
            for (Future<Map<String, long[]>> f : futures) partial.add(f.get());
        } catch (Exception e) {
            throw new IllegalStateException("word counting failed: " + e.getMessage(), e);
        }
        Map<String, long[]> total = partial.getFirst();
        for (int i = 1; i < partial.size(); i++) {
            for (var e : partial.get(i).entrySet()) {
                long[] c = total.get(e.getKey());
                if (c == null) total.put(e.getKey(), e.getValue());
                else c[0] += e.getValue()[0];
            }
        }
        return total;
    }

    /** Splits text into lines that keep their "\n" (the last may lack it). */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? text.length() : nl + 1;
            out.add(text.substring(pos, end));
            pos = end;
        }
        return out;
    }
}
