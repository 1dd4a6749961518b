package cortado.data.clean;

import java.lang.Character.UnicodeScript;
import java.util.List;
import java.util.Set;

/**
 * Which cleaning steps run and with what settings; a null step is off. Steps run in this order: PII scrubbing (which
 * edits text), the opt-in normalizations (which edit text, in {@link NormalizationStep}'s order), quality filters, repetition filters, blocklist, script, exact dedup, near dedup — cheap rejections
 * first, and deduplication last so it only indexes documents that survive.
 *
 * @param piiScrub    replace e-mail addresses, phone numbers and IP addresses
 * @param quality     Gopher quality rules
 * @param repetition  Gopher repetition rules
 * @param blocklist   blocked words and phrases, with {@code blocklistMinHits}
 * @param script      required scripts, with {@code scriptMinShare} and {@code scriptMinLetters}
 * @param exactDedupBits 0 for no exact dedup, else 64 or 128
 * @param nearDup     MinHash settings
 * @param normalize   text normalizations to apply (empty for none)
 */
public record CleaningConfig(boolean piiScrub,
                             GopherQualityFilter.Config quality,
                             GopherRepetitionFilter.Config repetition,
                             List<String> blocklist, int blocklistMinHits,
                             Set<UnicodeScript> script, double scriptMinShare, int scriptMinLetters,
                             int exactDedupBits,
                             MinHashConfig nearDup,
                             Set<NormalizationStep> normalize) implements java.io.Serializable {
    public CleaningConfig {
        normalize = normalize.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(java.util.EnumSet.copyOf(normalize));
    }


    /** Nothing on: documents pass through unchanged. */
    public static CleaningConfig none() {
        return new CleaningConfig(false, null, null, null, 1, null, 0.5, 1, 0, null, Set.of());
    }

    public CleaningConfig withPii(boolean on) {
        return new CleaningConfig(on, quality, repetition, blocklist, blocklistMinHits, script, scriptMinShare,
                scriptMinLetters, exactDedupBits, nearDup, normalize);
    }

    public CleaningConfig withQuality(GopherQualityFilter.Config q) {
        return new CleaningConfig(piiScrub, q, repetition, blocklist, blocklistMinHits, script, scriptMinShare,
                scriptMinLetters, exactDedupBits, nearDup, normalize);
    }

    public CleaningConfig withRepetition(GopherRepetitionFilter.Config r) {
        return new CleaningConfig(piiScrub, quality, r, blocklist, blocklistMinHits, script, scriptMinShare,
                scriptMinLetters, exactDedupBits, nearDup, normalize);
    }

    public CleaningConfig withBlocklist(List<String> entries, int minHits) {
        return new CleaningConfig(piiScrub, quality, repetition, entries, minHits, script, scriptMinShare,
                scriptMinLetters, exactDedupBits, nearDup, normalize);
    }

    public CleaningConfig withScript(Set<UnicodeScript> scripts, double minShare, int minLetters) {
        return new CleaningConfig(piiScrub, quality, repetition, blocklist, blocklistMinHits, scripts, minShare,
                minLetters, exactDedupBits, nearDup, normalize);
    }

    public CleaningConfig withExactDedup(int bits) {
        return new CleaningConfig(piiScrub, quality, repetition, blocklist, blocklistMinHits, script, scriptMinShare,
                scriptMinLetters, bits, nearDup, normalize);
    }

    public CleaningConfig withNearDup(MinHashConfig m) {
        return new CleaningConfig(piiScrub, quality, repetition, blocklist, blocklistMinHits, script, scriptMinShare,
                scriptMinLetters, exactDedupBits, m, normalize);
    }

    public CleaningConfig withNormalization(Set<NormalizationStep> steps) {
        return new CleaningConfig(piiScrub, quality, repetition, blocklist, blocklistMinHits, script, scriptMinShare,
                scriptMinLetters, exactDedupBits, nearDup, steps);
    }

    /** The steps that are on, by name, for the report. */
    public List<String> activeSteps() {
        List<String> s = new java.util.ArrayList<>();
        if (piiScrub) s.add("pii");
        for (NormalizationStep n : normalize) s.add("normalize." + n.label());
        if (quality != null) s.add("gopher-quality");
        if (repetition != null) s.add("gopher-repetition");
        if (blocklist != null) s.add("blocklist");
        if (script != null) s.add("script");
        if (exactDedupBits != 0) s.add("dedup");
        if (nearDup != null) s.add("near-dup");
        return s;
    }
}
