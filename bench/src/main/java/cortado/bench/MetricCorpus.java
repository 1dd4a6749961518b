package cortado.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded random corpus for the metric benchmarks: references of 5..45 words drawn from a 2,000-word vocabulary
 * with punctuation and numbers mixed in, two reference streams, and hypotheses that drop, replace and repeat words.
 */
record MetricCorpus(List<String> hypotheses, List<List<String>> references) {
    static MetricCorpus random(int lines, long seed) {
        Random rng = new Random(seed);
        String[] vocab = new String[2000];
        String letters = "etaoinshrdlucmfwypvbgkjqxz";
        for (int i = 0; i < vocab.length; i++) {
            StringBuilder w = new StringBuilder();
            int len = 2 + rng.nextInt(8);
            for (int k = 0; k < len; k++) w.append(letters.charAt((int) Math.min(25, Math.abs(rng.nextGaussian()) * 8)));
            if (rng.nextInt(10) == 0) w.setCharAt(0, Character.toUpperCase(w.charAt(0)));
            vocab[i] = w.toString();
        }
        String[] extras = {",", ".", "!", "?", ";", "\"", "(", ")", "'s", "-", "3.14", "1,000", "2026", "12-3"};
        List<String> hyps = new ArrayList<>(lines), r1 = new ArrayList<>(lines), r2 = new ArrayList<>(lines);
        for (int i = 0; i < lines; i++) {
            List<String> ref = new ArrayList<>();
            int n = 5 + rng.nextInt(41);
            for (int k = 0; k < n; k++) {
                String w = vocab[(int) Math.min(vocab.length - 1, Math.abs(rng.nextGaussian()) * 400)];
                if (rng.nextInt(8) == 0) w += extras[rng.nextInt(extras.length)];
                ref.add(w);
            }
            r1.add(String.join(" ", ref) + ".");
            r2.add(perturb(ref, vocab, rng) + ".");
            hyps.add(perturb(ref, vocab, rng));
        }
        return new MetricCorpus(hyps, List.of(r1, r2));
    }

    private static String perturb(List<String> ref, String[] vocab, Random rng) {
        List<String> out = new ArrayList<>();
        for (String w : ref) {
            int r = rng.nextInt(10);
            if (r == 0) continue;
            if (r == 1) out.add(vocab[rng.nextInt(vocab.length)]);
            else if (r == 2) { out.add(w); out.add(w); }
            else out.add(w);
        }
        return String.join(" ", out);
    }
}
