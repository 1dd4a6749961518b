package cortado.data.clean;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A generated corpus with planted near-duplicate pairs at known Jaccard similarities. Documents are sequences of
 * synthetic words drawn from a Zipf-like distribution; a planted copy of a document is edited (substitutions,
 * insertions, deletions of single words at random places) until the exact Jaccard similarity of the two shingle sets
 * falls to within 1.5 points below the target level; the similarity reached is measured and recorded, so the ground
 * truth is exact.
 */
final class PlantedNearDuplicates {
    record Pair(int first, int second, double jaccard) {}

    final List<String> docs = new ArrayList<>();
    final List<Pair> planted = new ArrayList<>();

    /**
     * @param bases       original documents
     * @param plantedFraction share of bases that get a planted copy
     * @param levels      target similarities, cycled over the planted copies (1.0 = exact copy)
     */
    PlantedNearDuplicates(int bases, double plantedFraction, double[] levels, int shingleSize, long seed) {
        Random rnd = new Random(seed);
        String[] vocab = new String[30_000];
        for (int i = 0; i < vocab.length; i++) vocab[i] = word(rnd);
        List<List<String>> originals = new ArrayList<>();
        for (int b = 0; b < bases; b++) {
            int len = 300 + rnd.nextInt(300);
            List<String> w = new ArrayList<>(len);
            for (int i = 0; i < len; i++) w.add(vocab[zipf(rnd, vocab.length)]);
            originals.add(w);
        }
        // Each item: the words and (for copies) the index of its original.
        List<List<String>> items = new ArrayList<>(originals);
        List<Integer> originalOf = new ArrayList<>();
        for (int b = 0; b < bases; b++) originalOf.add(-1);
        List<Double> targets = new ArrayList<>();
        for (int b = 0; b < bases; b++) targets.add(Double.NaN);
        int plantedCount = (int) Math.round(bases * plantedFraction);
        for (int k = 0; k < plantedCount; k++) {
            double level = levels[k % levels.length];
            List<String> copy = new ArrayList<>(originals.get(k));
            Set<Long> orig = shingleSet(originals.get(k), shingleSize);
            // Edit until the similarity is at or below the level, undoing any edit that
            // overshoots by more than 1.5 points, so each planted pair sits at its level within [-0.015, 0].
            double j = 1.0;
            int attempts = 0;
            while (j > level && attempts++ < 100_000) {
                List<String> next = new ArrayList<>(copy);
                int pos = rnd.nextInt(next.size());
                switch (rnd.nextInt(3)) {
                    case 0 -> next.set(pos, vocab[zipf(rnd, vocab.length)]);
                    case 1 -> next.add(pos, vocab[zipf(rnd, vocab.length)]);
                    default -> { if (next.size() > shingleSize + 1) next.remove(pos); }
                }
                double nj = jaccard(orig, shingleSet(next, shingleSize));
                if (nj < level - 0.015) continue;
                copy = next;
                j = nj;
            }
            items.add(copy);
            originalOf.add(k);
        }
        // Shuffle, keeping track of where each item lands.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) order.add(i);
        Collections.shuffle(order, rnd);
        int[] position = new int[items.size()];
        for (int p = 0; p < order.size(); p++) {
            position[order.get(p)] = p;
            docs.add(render(items.get(order.get(p)), rnd));
        }
        for (int i = bases; i < items.size(); i++) {
            int a = position[originalOf.get(i)], b = position[i];
            double j = jaccard(shingleSet(originals.get(originalOf.get(i)), shingleSize), shingleSet(items.get(i), shingleSize));
            planted.add(new Pair(Math.min(a, b), Math.max(a, b), j));
        }
    }

    /** Every pair of documents with exact Jaccard similarity >= threshold, found through an inverted shingle index. */
    Map<Long, Double> truePairs(double threshold, int shingleSize) {
        Shingles sh = new Shingles();
        List<long[]> sets = new ArrayList<>();
        Map<Long, List<Integer>> postings = new HashMap<>();
        for (int d = 0; d < docs.size(); d++) {
            sh.compute(docs.get(d), shingleSize);
            long[] s = sh.sortedSet();
            sets.add(s);
            for (long h : s) postings.computeIfAbsent(h, k -> new ArrayList<>(2)).add(d);
        }
        Set<Long> candidates = new HashSet<>();
        for (List<Integer> p : postings.values())
            for (int i = 0; i < p.size(); i++) for (int k = i + 1; k < p.size(); k++) candidates.add(key(p.get(i), p.get(k)));
        Map<Long, Double> out = new HashMap<>();
        for (long c : candidates) {
            double j = Shingles.jaccard(sets.get((int) (c >>> 32)), sets.get((int) c));
            if (j >= threshold) out.put(c, j);
        }
        return out;
    }

    static long key(int a, int b) { return (long) Math.min(a, b) << 32 | Math.max(a, b); }

    /** Words joined by spaces, with case, punctuation and line breaks sprinkled in (shingling must ignore them). */
    private static String render(List<String> words, Random rnd) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (rnd.nextInt(20) == 0) w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
            b.append(w);
            int r = rnd.nextInt(30);
            b.append(r == 0 ? ". " : r == 1 ? ", " : r == 2 ? "\n" : " ");
        }
        return b.toString().strip();
    }

    private static String word(Random rnd) {
        int len = 2 + rnd.nextInt(8);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < len; i++) b.append((char) ('a' + rnd.nextInt(26)));
        return b.toString();
    }

    /** A rank in [0, n) with probability roughly proportional to 1/(rank+10). */
    private static int zipf(Random rnd, int n) {
        double u = rnd.nextDouble();
        return (int) Math.min(n - 1, Math.floor(10 * Math.pow((n + 10) / 10.0, u) - 10));
    }

    static Set<Long> shingleSet(List<String> words, int k) {
        Shingles sh = new Shingles();
        int n = sh.compute(String.join(" ", words), k);
        Set<Long> s = new HashSet<>();
        for (int i = 0; i < n; i++) s.add(sh.hashes()[i]);
        return s;
    }

    static double jaccard(Set<Long> a, Set<Long> b) {
        int inter = 0;
        for (long x : a) if (b.contains(x)) inter++;
        return (double) inter / (a.size() + b.size() - inter);
    }
}
