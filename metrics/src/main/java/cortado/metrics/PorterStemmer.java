package cortado.metrics;

import java.util.Map;

/**
 * The Porter stemmer (Porter 1980, "An algorithm for suffix stripping") as NLTK's {@code PorterStemmer()} runs it by
 * default, mode {@code NLTK_EXTENSIONS}, which is the stemmer rouge-score's {@code use_stemmer=True} uses: a few
 * irregular forms looked up first, words of up to two letters kept, and NLTK's variants of steps 1a ('ies' of a
 * 4-letter word), 1b ('ied'), 1c ('y' after a consonant that is not the first letter), 2 ('alli', 'bli', 'fulli',
 * 'logi') and of condition *o (a 2-letter stem vowel-consonant). Steps 1a..5b follow the paper otherwise: each step
 * applies the first rule whose suffix matches, if its condition on the stem holds (else the step leaves the word).
 */
public final class PorterStemmer {
    private static final Map<String, String> IRREGULAR = Map.ofEntries(
            Map.entry("sky", "sky"), Map.entry("skies", "sky"), Map.entry("dying", "die"), Map.entry("lying", "lie"),
            Map.entry("tying", "tie"), Map.entry("news", "news"), Map.entry("innings", "inning"),
            Map.entry("inning", "inning"), Map.entry("outings", "outing"), Map.entry("outing", "outing"),
            Map.entry("cannings", "canning"), Map.entry("canning", "canning"), Map.entry("howe", "howe"),
            Map.entry("proceed", "proceed"), Map.entry("exceed", "exceed"), Map.entry("succeed", "succeed"));

    /** A rule's condition on the stem left when the suffix is removed. */
    private interface Condition { boolean test(String stem); }

    private record Rule(String suffix, String replacement, Condition condition) {}

    /** The stem of {@code word} (lower-cased first, as NLTK's {@code stem(word)} does). */
    public String stem(String word) {
        String w = PythonText.lower(word);
        String irregular = IRREGULAR.get(w);
        if (irregular != null) return irregular;
        if (word.length() <= 2) return w;
        w = step1a(w);
        w = step1b(w);
        w = step1c(w);
        w = step2(w);
        w = step3(w);
        w = step4(w);
        w = step5a(w);
        w = step5b(w);
        return w;
    }

    private static boolean isVowelLetter(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

    /** A consonant is a letter other than a, e, i, o, u, and other than a y preceded by a consonant. */
    static boolean isConsonant(String w, int i) {
        char c = w.charAt(i);
        if (isVowelLetter(c)) return false;
        if (c == 'y') return i == 0 || !isConsonant(w, i - 1);
        return true;
    }

    /** m in [C](VC)^m[V]: the number of vowel-to-consonant transitions. */
    static int measure(String stem) {
        int m = 0;
        boolean prevVowel = false;
        for (int i = 0; i < stem.length(); i++) {
            boolean cons = isConsonant(stem, i);
            if (cons && prevVowel) m++;
            prevVowel = !cons;
        }
        return m;
    }

    private static boolean containsVowel(String stem) {
        for (int i = 0; i < stem.length(); i++) if (!isConsonant(stem, i)) return true;
        return false;
    }

    /** *d: ends with a double consonant. */
    private static boolean endsDoubleConsonant(String w) {
        int n = w.length();
        return n >= 2 && w.charAt(n - 1) == w.charAt(n - 2) && isConsonant(w, n - 1);
    }

    /** *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK adds a 2-letter vowel-consonant stem. */
    private static boolean endsCvc(String w) {
        int n = w.length();
        if (n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1)) {
            char last = w.charAt(n - 1);
            if (last != 'w' && last != 'x' && last != 'y') return true;
        }
        return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1);
    }

    private static boolean positiveMeasure(String stem) { return measure(stem) > 0; }

    private static boolean measureAbove1(String stem) { return measure(stem) > 1; }

    /** The first rule whose suffix ends the word decides: replaced if its condition holds, else the word as is. */
    private static String applyFirst(String w, Rule... rules) {
        for (Rule r : rules) {
            if (r.suffix.equals("*d")) {
                if (endsDoubleConsonant(w)) {
                    String stem = w.substring(0, w.length() - 2);
                    return r.condition == null || r.condition.test(stem) ? stem + r.replacement : w;
                }
                continue;
            }
            if (w.endsWith(r.suffix)) {
                String stem = w.substring(0, w.length() - r.suffix.length());
                return r.condition == null || r.condition.test(stem) ? stem + r.replacement : w;
            }
        }
        return w;
    }

    private static String step1a(String w) {
        if (w.endsWith("ies") && w.length() == 4) return w.substring(0, 1) + "ie";
        return applyFirst(w, new Rule("sses", "ss", null), new Rule("ies", "i", null), new Rule("ss", "ss", null),
                new Rule("s", "", null));
    }

    private static String step1b(String w) {
        if (w.endsWith("ied")) return w.substring(0, w.length() - 3) + (w.length() == 4 ? "ie" : "i");
        if (w.endsWith("eed")) {
            String stem = w.substring(0, w.length() - 3);
            return measure(stem) > 0 ? stem + "ee" : w;
        }
        String stem = null;
        for (String suffix : new String[] {"ed", "ing"}) {
            if (w.endsWith(suffix)) {
                String s = w.substring(0, w.length() - suffix.length());
                if (containsVowel(s)) { stem = s; break; }
            }
        }
        if (stem == null) return w;
        final String st = stem;
        char last = st.isEmpty() ? '\0' : st.charAt(st.length() - 1);
        return applyFirst(st, new Rule("at", "ate", null), new Rule("bl", "ble", null), new Rule("iz", "ize", null),
                new Rule("*d", String.valueOf(last), s -> last != 'l' && last != 's' && last != 'z'),
                new Rule("", "e", s -> measure(s) == 1 && endsCvc(s)));
    }

    private static String step1c(String w) {
        return applyFirst(w, new Rule("y", "i", s -> s.length() > 1 && isConsonant(s, s.length() - 1)));
    }

    private static String step2(String w) {
        if (w.endsWith("alli") && positiveMeasure(w.substring(0, w.length() - 4)))
            return step2(w.substring(0, w.length() - 4) + "al");
        final String word = w;
        return applyFirst(w,
                new Rule("ational", "ate", PorterStemmer::positiveMeasure),
                new Rule("tional", "tion", PorterStemmer::positiveMeasure),
                new Rule("enci", "ence", PorterStemmer::positiveMeasure),
                new Rule("anci", "ance", PorterStemmer::positiveMeasure),
                new Rule("izer", "ize", PorterStemmer::positiveMeasure),
                new Rule("bli", "ble", PorterStemmer::positiveMeasure),
                new Rule("alli", "al", PorterStemmer::positiveMeasure),
                new Rule("entli", "ent", PorterStemmer::positiveMeasure),
                new Rule("eli", "e", PorterStemmer::positiveMeasure),
                new Rule("ousli", "ous", PorterStemmer::positiveMeasure),
                new Rule("ization", "ize", PorterStemmer::positiveMeasure),
                new Rule("ation", "ate", PorterStemmer::positiveMeasure),
                new Rule("ator", "ate", PorterStemmer::positiveMeasure),
                new Rule("alism", "al", PorterStemmer::positiveMeasure),
                new Rule("iveness", "ive", PorterStemmer::positiveMeasure),
                new Rule("fulness", "ful", PorterStemmer::positiveMeasure),
                new Rule("ousness", "ous", PorterStemmer::positiveMeasure),
                new Rule("aliti", "al", PorterStemmer::positiveMeasure),
                new Rule("iviti", "ive", PorterStemmer::positiveMeasure),
                new Rule("biliti", "ble", PorterStemmer::positiveMeasure),
                new Rule("fulli", "ful", PorterStemmer::positiveMeasure),
                // NLTK tests the word less 'ogi'... i.e. less three letters, not the stem less 'logi'
                new Rule("logi", "log", s -> positiveMeasure(word.substring(0, word.length() - 3))));
    }

    private static String step3(String w) {
        return applyFirst(w,
                new Rule("icate", "ic", PorterStemmer::positiveMeasure),
                new Rule("ative", "", PorterStemmer::positiveMeasure),
                new Rule("alize", "al", PorterStemmer::positiveMeasure),
                new Rule("iciti", "ic", PorterStemmer::positiveMeasure),
                new Rule("ical", "ic", PorterStemmer::positiveMeasure),
                new Rule("ful", "", PorterStemmer::positiveMeasure),
                new Rule("ness", "", PorterStemmer::positiveMeasure));
    }

    private static String step4(String w) {
        return applyFirst(w,
                new Rule("al", "", PorterStemmer::measureAbove1), new Rule("ance", "", PorterStemmer::measureAbove1),
                new Rule("ence", "", PorterStemmer::measureAbove1), new Rule("er", "", PorterStemmer::measureAbove1),
                new Rule("ic", "", PorterStemmer::measureAbove1), new Rule("able", "", PorterStemmer::measureAbove1),
                new Rule("ible", "", PorterStemmer::measureAbove1), new Rule("ant", "", PorterStemmer::measureAbove1),
                new Rule("ement", "", PorterStemmer::measureAbove1), new Rule("ment", "", PorterStemmer::measureAbove1),
                new Rule("ent", "", PorterStemmer::measureAbove1),
                new Rule("ion", "", s -> measureAbove1(s) && (s.endsWith("s") || s.endsWith("t"))),
                new Rule("ou", "", PorterStemmer::measureAbove1), new Rule("ism", "", PorterStemmer::measureAbove1),
                new Rule("ate", "", PorterStemmer::measureAbove1), new Rule("iti", "", PorterStemmer::measureAbove1),
                new Rule("ous", "", PorterStemmer::measureAbove1), new Rule("ive", "", PorterStemmer::measureAbove1),
                new Rule("ize", "", PorterStemmer::measureAbove1));
    }

    private static String step5a(String w) {
        if (!w.endsWith("e")) return w;
        String stem = w.substring(0, w.length() - 1);
        int m = measure(stem);
        if (m > 1) return stem;
        if (m == 1 && !endsCvc(stem)) return stem;
        return w;
    }

    private static String step5b(String w) {
        // condition on the word less one 'l' (the replacement), as NLTK writes it
        return applyFirst(w, new Rule("ll", "l", s -> measureAbove1(w.substring(0, w.length() - 1))));
    }
}
