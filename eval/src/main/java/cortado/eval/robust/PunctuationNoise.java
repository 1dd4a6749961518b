package cortado.eval.robust;

import java.util.Random;

/**
 * Punctuation mistakes: each punctuation mark, with probability severity, deleted; after each word, with
 * probability severity / 2, a stray mark from {@code , . ; : ! ?} inserted.
 */
public final class PunctuationNoise implements Perturbation {
    private static final String MARKS = ",.;:!?";

    @Override public String name() { return "punctuation"; }

    @Override
    public String apply(String text, double severity, Random rng) {
        Perturbation.checkSeverity(severity);
        StringBuilder b = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            double u = rng.nextDouble();
            char mark = MARKS.charAt(rng.nextInt(MARKS.length()));
            if (isPunctuation(c)) {
                if (u >= severity) b.append(c);
                continue;
            }
            b.append(c);
            boolean wordEnds = Character.isLetterOrDigit(c) && (i + 1 == text.length() || !Character.isLetterOrDigit(text.charAt(i + 1)));
            if (wordEnds && u < severity / 2) b.append(mark);
        }
        return b.toString();
    }

    private static boolean isPunctuation(char c) {
        int t = Character.getType(c);
        return t == Character.OTHER_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION;
    }
}
