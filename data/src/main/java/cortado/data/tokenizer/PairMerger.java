package cortado.data.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.BinaryOperator;

/**
 * The learning loop shared by BPE and WordPiece training (Sennrich et al. 2016), step for step HF's
 * {@code BpeTrainer::do_train}: count every adjacent symbol pair over the distinct words (weighted by word frequency),
 * then repeatedly merge the most frequent pair into a new symbol; ties go to the smaller pair of ids.
 *
 * <p>Three details of HF's loop decide the vocabulary once two merges can spell the same token (common in WordPiece:
 * {@code a + ##bc} and {@code ab + ##c} are both {@code abc}), and are reproduced here:
 * <ul>
 *   <li>a merge whose token already exists reuses that id (the vocabulary does not grow, the size check is on
 *       distinct tokens);</li>
 *   <li>each queue entry carries its own set of words ({@code Merge.pos}): a popped entry merges only in those, and a
 *       step pushes, for each pair it created, an entry listing just the words of this step;</li>
 *   <li>counts change only by HF's {@code Word::merge} deltas ({@code (prev, a)} and {@code (b, next)} lose, the pairs
 *       around the new symbol gain); the merged pair's own count is not lowered.</li>
 * </ul>
 * A stale entry (its count differs from the pair's current count) is re-queued with the current count when it
 * surfaces, as in HF.
 */
final class PairMerger {
    private final int[][] words;     // symbols of each distinct word
    private final int[] lengths;
    private final long[] wordCounts;
    private final List<String> vocab;
    private final Map<String, Integer> tokenIds;
    private final BinaryOperator<String> join;

    private final PairIndex pairs = new PairIndex(1 << 16);
    private long[] pairCount = new long[1 << 16];
    // Words of the current step in which each pair gained an occurrence (HF's where_to_update), and which pairs those are.
    private int[][] stepWords = new int[1 << 16][];
    private int[] stepSize = new int[1 << 16];
    private int[] stepPairs = new int[64];
    private int nStepPairs;

    /**
     * @param words      symbol ids of each distinct word (arrays are modified in place)
     * @param wordCounts frequency of each word
     * @param vocab      tokens by id so far (specials and alphabet); new tokens are appended
     * @param join       spelling of a merged token from its two parts
     */
    PairMerger(int[][] words, long[] wordCounts, List<String> vocab, BinaryOperator<String> join) {
        this.words = words;
        this.wordCounts = wordCounts;
        this.lengths = new int[words.length];
        for (int i = 0; i < words.length; i++) lengths[i] = words[i].length;
        this.vocab = vocab;
        this.tokenIds = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) tokenIds.putIfAbsent(vocab.get(i), i);
        this.join = join;
    }

    /** One queue entry (HF's Merge): count, the pair, and the words to merge it in. */
    private record Candidate(long count, int left, int right, int[] pos, int posSize) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            if (count != o.count) return Long.compare(o.count, count);
            if (left != o.left) return Integer.compare(left, o.left);
            return Integer.compare(right, o.right);
        }
    }

    /**
     * Merges until the vocabulary has {@code vocabSize} distinct tokens or no pair occurs {@code minFrequency} times.
     * Returns the merges in order as {left, right, new id} (a pair can appear twice, as in HF).
     */
    List<int[]> run(int vocabSize, long minFrequency, TrainingProgress progress) {
        for (int w = 0; w < words.length; w++) {
            int[] s = words[w];
            for (int i = 0; i + 1 < lengths[w]; i++) gain(pairs.getOrAdd(s[i], s[i + 1]), wordCounts[w], w);
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        flushStep(queue);
        List<int[]> merges = new ArrayList<>();
        int target = vocabSize - vocab.size();
        int[] pos = null;
        while (vocab.size() < vocabSize && !queue.isEmpty()) {
            Candidate top = queue.poll();
            long now = pairCount[pairs.get(top.left, top.right)];
            if (now != top.count) {
                queue.add(new Candidate(now, top.left, top.right, top.pos, top.posSize));
                continue;
            }
            if (now < 1 || now < minFrequency) break;
            String token = join.apply(vocab.get(top.left), vocab.get(top.right));
            Integer existing = tokenIds.get(token);
            int id;
            if (existing != null) {
                id = existing;
            } else {
                id = vocab.size();
                vocab.add(token);
                tokenIds.put(token, id);
            }
            merges.add(new int[] {top.left, top.right, id});
            for (int k = 0; k < top.posSize; k++) mergeInWord(top.pos[k], top.left, top.right, id);
            flushStep(queue);
            if (progress != null) progress.step(merges.size(), target);
        }
        return merges;
    }

    /**
     * HF's {@code Word::merge}: replaces each occurrence of (a, b) in word w by id, left to right without overlap, and
     * applies its count deltas; the left neighbour is the already merged symbol, the right one the next original one.
     */
    private void mergeInWord(int w, int a, int b, int id) {
        int[] s = words[w];
        int len = lengths[w];
        long c = wordCounts[w];
        int out = 0;
        for (int r = 0; r < len; ) {
            if (r + 1 < len && s[r] == a && s[r + 1] == b) {
                if (out > 0) {
                    int prev = s[out - 1];
                    lose(prev, a, c);
                    gain(pairs.getOrAdd(prev, id), c, w);
                }
                if (r + 2 < len) {
                    int next = s[r + 2];
                    lose(b, next, c);
                    gain(pairs.getOrAdd(id, next), c, w);
                }
                s[out++] = id;
                r += 2;
            } else {
                s[out++] = s[r++];
            }
        }
        lengths[w] = out;
    }

    private void lose(int l, int r, long c) {
        pairCount[pairs.getOrAdd(l, r)] -= c;
    }

    /** Adds c to pair p's count and records word w as one where p gained in this step. */
    private void gain(int p, long c, int w) {
        if (p >= pairCount.length) {
            int cap = pairCount.length * 2;
            pairCount = Arrays.copyOf(pairCount, cap);
            stepWords = Arrays.copyOf(stepWords, cap);
            stepSize = Arrays.copyOf(stepSize, cap);
        }
        pairCount[p] += c;
        int[] ws = stepWords[p];
        int n = stepSize[p];
        if (ws == null) {
            stepWords[p] = ws = new int[2];
            if (nStepPairs == stepPairs.length) stepPairs = Arrays.copyOf(stepPairs, nStepPairs * 2);
            stepPairs[nStepPairs++] = p;
        } else if (ws[n - 1] == w) {
            return;  // words are processed one at a time, so a repeat is always the last one
        } else if (n == ws.length) {
            stepWords[p] = ws = Arrays.copyOf(ws, n * 2);
        }
        ws[n] = w;
        stepSize[p] = n + 1;
    }

    /** Queues, for every pair that gained in this step, an entry with its current count and this step's words. */
    private void flushStep(PriorityQueue<Candidate> queue) {
        for (int k = 0; k < nStepPairs; k++) {
            int p = stepPairs[k];
            if (pairCount[p] > 0) queue.add(new Candidate(pairCount[p], pairs.left(p), pairs.right(p), stepWords[p], stepSize[p]));
            stepWords[p] = null;
            stepSize[p] = 0;
        }
        nStepPairs = 0;
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
