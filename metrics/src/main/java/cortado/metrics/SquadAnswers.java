package cortado.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Exact match and token F1 of a predicted answer against gold answers, as the official SQuAD evaluation scripts
 * compute them (evaluate-v1.1.py and evaluate-v2.0.py): both normalize by lower-casing, deleting ASCII punctuation,
 * replacing the words a, an, the by a space and collapsing whitespace; an example's score is the best over its gold
 * answers. They differ on empty answers: v2.0 drops gold answers that normalize to nothing (keeping one empty answer
 * when none is left, i.e. "no answer") and gives F1 = 1 when both token lists are empty; v1.1 gives F1 = 0 then.
 */
public final class SquadAnswers {
    /** Which official script. */
    public enum Version { V1_1, V2_0 }

    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"; // Python's string.punctuation
    // \b(a|an|the)\b with Python's Unicode word characters: letters, numbers and '_'.
    private static final Pattern ARTICLES = Pattern.compile("(?<![\\p{L}\\p{N}_])(a|an|the)(?![\\p{L}\\p{N}_])");

    private SquadAnswers() {}

    /** The scripts' {@code normalize_answer}. */
    public static String normalize(String s) {
        String lower = PythonText.lower(s);
        StringBuilder b = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) b.append(c);
        }
        return PythonText.squeeze(ARTICLES.matcher(b).replaceAll(" "));
    }

    /** {@code compute_exact}: 1 when the normalized strings are equal. */
    public static double exactMatch(String prediction, String gold) {
        return normalize(prediction).equals(normalize(gold)) ? 1 : 0;
    }

    /** {@code compute_f1} (v2.0) or {@code f1_score} (v1.1) on normalized whitespace tokens. */
    public static double f1(String prediction, String gold, Version version) {
        List<String> p = PythonText.split(normalize(prediction)), g = PythonText.split(normalize(gold));
        if (version == Version.V2_0 && (p.isEmpty() || g.isEmpty())) return p.equals(g) ? 1 : 0;
        Map<String, Integer> goldCounts = new HashMap<>();
        for (String t : g) goldCounts.merge(t, 1, Integer::sum);
        int same = 0;
        for (String t : p) {
            Integer c = goldCounts.get(t);
            if (c != null && c > 0) { same++; goldCounts.put(t, c - 1); }
        }
        if (same == 0) return 0;
        double precision = 1.0 * same / p.size(), recall = 1.0 * same / g.size();
        return (2 * precision * recall) / (precision + recall);
    }

    /** The gold answers a script scores against: v2.0 drops those that normalize to "" (all gone: one ""). */
    static List<String> goldAnswers(List<String> golds, Version version) {
        if (version == Version.V1_1) return golds;
        List<String> kept = new ArrayList<>();
        for (String a : golds) if (!normalize(a).isEmpty()) kept.add(a);
        if (kept.isEmpty()) kept.add("");
        return kept;
    }

    /** An example's exact match: the best over its gold answers. */
    public static double bestExactMatch(String prediction, List<String> golds, Version version) {
        double best = 0;
        for (String g : goldAnswers(golds, version)) best = Math.max(best, exactMatch(prediction, g));
        return best;
    }

    /** An example's F1: the best over its gold answers. */
    public static double bestF1(String prediction, List<String> golds, Version version) {
        double best = 0;
        for (String g : goldAnswers(golds, version)) best = Math.max(best, f1(prediction, g, version));
        return best;
    }
}
