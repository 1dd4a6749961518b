package cortado.data.clean;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The opt-in text normalizations, applied in this order (expansions first, while the apostrophes, full stops and
 * capitals they match on are still there; lowercasing last). Each counts the documents it changed and its
 * replacements in the cleaning report. Normalizing loses information a language model could learn from (case,
 * typography), so all are off by default; they suit corpora for small models or classic NLP baselines.
 */
public enum NormalizationStep {
    /** "don't" to "do not", from {@code contractions.tsv}. */
    CONTRACTIONS("contractions"),
    /** "e.g." to "for example", from {@code abbreviations.tsv}. */
    ABBREVIATIONS("abbreviations"),
    /** Invisible and non-text characters removed ({@link SpecialCharacters}). */
    SPECIAL_CHARACTERS("special-chars"),
    /** Unicode punctuation to ASCII ({@link PunctuationNormalizer}, CCNet's table). */
    PUNCTUATION("punctuation"),
    /** Lower case (Unicode default case mapping, locale-independent); replacements count changed code points. */
    LOWERCASE("lowercase");

    private final String label;

    NormalizationStep(String label) { this.label = label; }

    public String label() { return label; }

    public Edit apply(String text) {
        return switch (this) {
            case CONTRACTIONS -> Contractions.apply(text);
            case ABBREVIATIONS -> Abbreviations.apply(text);
            case SPECIAL_CHARACTERS -> SpecialCharacters.apply(text);
            case PUNCTUATION -> PunctuationNormalizer.apply(text);
            case LOWERCASE -> lowercase(text);
        };
    }

    private static Edit lowercase(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.equals(text)) return new Edit(text, 0);
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (Character.toLowerCase(cp) != cp) n++;
            i += Character.charCount(cp);
        }
        return new Edit(lower, n);
    }

    /** Parses a comma-separated list of labels ("lowercase,punctuation"); "none" or "" for none, "all" for all. */
    public static Set<NormalizationStep> parse(String list) {
        Set<NormalizationStep> s = EnumSet.noneOf(NormalizationStep.class);
        for (String part : list.split(",")) {
            String t = part.strip().toLowerCase(Locale.ROOT);
            if (t.isEmpty() || t.equals("none")) continue;
            if (t.equals("all")) return EnumSet.allOf(NormalizationStep.class);
            NormalizationStep found = null;
            for (NormalizationStep n : values()) if (n.label.equals(t)) found = n;
            if (found == null)
                throw new IllegalArgumentException("unknown normalization '" + t
                        + "' (contractions, abbreviations, special-chars, punctuation, lowercase, all, none)");
            s.add(found);
        }
        return s;
    }
}
