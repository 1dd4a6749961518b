package cortado.data.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.BinaryOperator;

/**
 * The learning loop shared by BPE and WordPiece training (Sennrich et al. 2016; HF's BpeTrainer): count every adjacent
 * symbol pair over the distinct words (weighted by word frequency), then repeatedly merge the most frequent pair into a
 * new symbol. Counts are updated incrementally: merging touches only the words that contain the pair (an index from
 * pair to words), and only the pairs around each merged occurrence change. The most frequent pair comes from a priority
 * queue with lazy deletion: an entry whose count is stale is re-queued with the current count when it surfaces.
 * Ties go to the smaller pair of ids, as in HF, so the result is deterministic.
 */
final class PairMerger {
    private final int[][] words;     // symbols of each distinct word
    private final int[] lengths;
    private final long[] wordCounts;
    private final List<String> vocab;
    private final BinaryOperator<String> join;

    private final PairIndex pairs = new PairIndex(1 << 16);
    private long[] pairCount = new long[1 << 16];
    private int[][] pairWords = new int[1 << 16][];
    private int[] pairWordsSize = new int[1 << 16];

    /**
     * @param words      symbol ids of each distinct word (arrays are modified in place)
     * @param wordCounts frequency of each word
     * @param vocab      tokens by id so far (specials and alphabet); merged tokens are appended
     * @param join       spelling of a merged token from its two parts
     */
    PairMerger(int[][] words, long[] wordCounts, List<String> vocab, BinaryOperator<String> join) {
        this.words = words;
        this.wordCounts = wordCounts;
        this.lengths = new int[words.length];
        for (int i = 0; i < words.length; i++) lengths[i] = words[i].length;
        this.vocab = vocab;
        this.join = join;
    }

    /** One entry of the queue: count, then the pair (smaller ids first on equal counts). */
    private record Candidate(long count, int left, int right) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            if (count != o.count) return Long.compare(o.count, count);
            if (left != o.left) return Integer.compare(left, o.left);
            return Integer.compare(right, o.right);
        }
    }

    /** Merges until the vocabulary has {@code vocabSize} tokens or no pair occurs {@code minFrequency} times. */
    List<int[]> run(int vocabSize, long minFrequency, TrainingProgress progress) {
        for (int w = 0; w < words.length; w++) {
            int[] s = words[w];
            for (int i = 0; i + 1 < lengths[w]; i++) addPair(s[i], s[i + 1], wordCounts[w], w);
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        for (int p = 0; p < pairs.size(); p++) {
            if (pairCount[p] > 0) queue.add(new Candidate(pairCount[p], pairs.left(p), pairs.right(p)));
        }
        List<int[]> merges = new ArrayList<>();
        int target = vocabSize - vocab.size();
        while (vocab.size() < vocabSize && !queue.isEmpty()) {
            Candidate top = queue.poll();
            int p = pairs.get(top.left, top.right);
            long now = pairCount[p];
            if (now != top.count) {
                if (now > 0) queue.add(new Candidate(now, top.left, top.right));
                continue;
            }
            if (now < minFrequency || now <= 0) break;
            int id = vocab.size();
            vocab.add(join.apply(vocab.get(top.left), vocab.get(top.right)));
            merges.add(new int[] {top.left, top.right});
            int[] ws = pairWords[p];
            int n = pairWordsSize[p];
            pairWords[p] = null;
            pairWordsSize[p] = 0;
            long[] touched = new long[16];
            int nTouched = 0;
            for (int k = 0; k < n; k++) {
                int w = ws[k];
                if (k > 0 && ws[k - 1] == w) continue;
                if (touched.length - nTouched < 2 * lengths[w]) touched = Arrays.copyOf(touched, touched.length * 2 + 4 * lengths[w]);
                nTouched = mergeInWord(w, top.left, top.right, id, touched, nTouched);
            }
            // Pairs whose count grew get a fresh queue entry (stale ones are fixed lazily when popped).
            Arrays.sort(touched, 0, nTouched);
            for (int k = 0; k < nTouched; k++) {
                if (k > 0 && touched[k] == touched[k - 1]) continue;
                int q = (int) touched[k];
                if (pairCount[q] > 0) queue.add(new Candidate(pairCount[q], pairs.left(q), pairs.right(q)));
            }
            if (progress != null) progress.step(merges.size(), target);
        }
        return merges;
    }

    /**
     * Replaces each occurrence of (a, b) in word w by id, left to right without overlap (as GPT-2's bpe()), and
     * updates pair counts by difference: the word's old adjacent pairs lose its count, the new ones gain it. Pairs that
     * contain the new symbol are recorded in {@code touched} and indexed as occurring in w.
     */
    private int mergeInWord(int w, int a, int b, int id, long[] touched, int nTouched) {
        int[] s = words[w];
        int len = lengths[w];
        boolean has = false;
        for (int i = 0; i + 1 < len && !has; i++) has = s[i] == a && s[i + 1] == b;
        if (!has) return nTouched;
        long c = wordCounts[w];
        for (int i = 0; i + 1 < len; i++) addPair(s[i], s[i + 1], -c, -1);
        int out = 0;
        for (int i = 0; i < len; i++) {
            if (i + 1 < len && s[i] == a && s[i + 1] == b) {
                s[out++] = id;
                i++;
            } else {
                s[out++] = s[i];
            }
        }
        lengths[w] = out;
        for (int i = 0; i + 1 < out; i++) {
            boolean fresh = s[i] == id || s[i + 1] == id;
            int q = addPair(s[i], s[i + 1], c, fresh ? w : -1);
            if (fresh) {
                if (nTouched == touched.length) return nTouched;  // caller grows and the rest are re-queued lazily
                touched[nTouched++] = q;
            }
        }
        return nTouched;
    }

    /** Adds {@code delta} to the count of (l, r); a word index >= 0 is recorded as containing it. */
    private int addPair(int l, int r, long delta, int word) {
        int p = pairs.getOrAdd(l, r);
        if (p >= pairCount.length) {
            int cap = pairCount.length * 2;
            pairCount = Arrays.copyOf(pairCount, cap);
            pairWords = Arrays.copyOf(pairWords, cap);
            pairWordsSize = Arrays.copyOf(pairWordsSize, cap);
        }
        pairCount[p] += delta;
        if (word >= 0) {
            int[] ws = pairWords[p];
            int n = pairWordsSize[p];
            if (ws == null) pairWords[p] = ws = new int[2];
            else if (n > 0 && ws[n - 1] == word) return p;
            else if (n == ws.length) pairWords[p] = ws = Arrays.copyOf(ws, n * 2);
            ws[n] = word;
            pairWordsSize[p] = n + 1;
        }
        return p;
    }

    /** Pair (left, right) -> dense index, open addressing on the packed pair. */
    static final class PairIndex {
        private long[] keys;
        private int[] vals;
        private int[] lefts = new int[1024], rights = new int[1024];
        private int size;

        PairIndex(int cap) {
            keys = new long[cap];
            Arrays.fill(keys, -1L);
            vals = new int[cap];
        }

        int size() { return size; }

        int left(int p) { return lefts[p]; }

        int right(int p) { return rights[p]; }

        private static int slot(long k, int mask) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 31)) & mask;
        }

        int get(int l, int r) {
            long k = ((long) l << 32) | (r & 0xffffffffL);
            int mask = keys.length - 1;
            for (int s = slot(k, mask); ; s = (s + 1) & mask) {
                if (keys[s] == k) return vals[s];
                if (keys[s] == -1L) return -1;
            }
        }

        int getOrAdd(int l, int r) {
            long k = ((long) l << 32) | (r & 0xffffffffL);
            int mask = keys.length - 1;
            int s = slot(k, mask);
            while (keys[s] != -1L) {
                if (keys[s] == k) return vals[s];
                s = (s + 1) & mask;
            }
            if ((size + 1) * 2 > keys.length) {
                grow();
                return getOrAdd(l, r);
            }
            keys[s] = k;
            vals[s] = size;
            if (size == lefts.length) {
                lefts = Arrays.copyOf(lefts, size * 2);
                rights = Arrays.copyOf(rights, size * 2);
            }
            lefts[size] = l;
            rights[size] = r;
            return size++;
        }

        private void grow() {
            long[] ok = keys;
            int[] ov = vals;
            keys = new long[ok.length * 2];
            Arrays.fill(keys, -1L);
            vals = new int[ok.length * 2];
            int mask = keys.length - 1;
            for (int i = 0; i < ok.length; i++) {
                if (ok[i] == -1L) continue;
                int s = slot(ok[i], mask);
                while (keys[s] != -1L) s = (s + 1) & mask;
                keys[s] = ok[i];
                vals[s] = ov[i];
            }
        }
    }
}
