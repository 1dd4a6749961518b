package cortado.data.clean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NormalizationTest {
    @Test
    void contractionsFromTheListKeepCaseAndLeavePossessivesAlone() {
        Edit e = Contractions.apply("Don't worry, it's fine. WON'T they? John's dog can\u2019t swim at five o'clock.");
        assertThat(e.text()).isEqualTo("Do not worry, it is fine. WILL NOT they? John's dog cannot swim at five o'clock.");
        assertThat(e.replacements()).isEqualTo(4);
        assertThat(Contractions.apply("no apostrophes here")).isEqualTo(new Edit("no apostrophes here", 0));
    }

    @Test
    void abbreviationsKeepTheSentenceEndButNotAfterTitles() {
        Edit e = Abbreviations.apply("Fruit, e.g. apples, pears, etc. Then Dr. Smith arrived in Jan.\nThe U.S.A. and vs.x stay.");
        assertThat(e.text()).isEqualTo("Fruit, for example apples, pears, et cetera. Then Doctor Smith arrived in January.\n"
                + "The U.S.A. and vs.x stay.");
        assertThat(e.replacements()).isEqualTo(4);
    }

    @Test
    void specialCharactersPunctuationAndLowercase() {
        Edit s = SpecialCharacters.apply("a\u200bb\u00adc\u0007d\ufffde\ue000f\tg\n\u200dh\u200ci");
        assertThat(s.text()).isEqualTo("abcdef\tg\n\u200dh\u200ci");
        assertThat(s.replacements()).isEqualTo(5);
        // CCNet's own test string for replace_unicode_punct, less the full-width one it maps to a quote.
        Edit p = PunctuationNormalizer.apply("\uff0c\u3002\u3001\u201e\u201d\u201c\u00ab\u00bb\u300d\u300c\u300a\u300b"
                + "\u00b4\u2236\uff1a\uff1f\uff01\uff08\uff09\uff1b\u2013\u2014\uff0e\uff5e\u2019\u2026\u2501\u3008\u3009"
                + "\u3010\u3011\uff05\u25ba");
        assertThat(p.text()).isEqualTo(",.,\"\"\"\"\"\"\"\"\"'::?!();- - . ~'...-<>[]%-");
        assertThat(p.replacements()).isEqualTo(33);
        assertThat(NormalizationStep.LOWERCASE.apply("\u00c9cole ABC d\u00e9j\u00e0")).isEqualTo(new Edit("\u00e9cole abc d\u00e9j\u00e0", 4));
    }

    @Test
    void cleanerAppliesStepsInOrderAndCountsThem() throws Exception {
        CleaningConfig c = CleaningConfig.none().withNormalization(NormalizationStep.parse("lowercase,contractions,punctuation"));
        assertThat(c.activeSteps()).containsExactly("normalize.contractions", "normalize.punctuation", "normalize.lowercase");
        try (Cleaner cl = new Cleaner(c, null)) {
            assertThat(cl.clean("Don\u2019t SHOUT\u2026")).isEqualTo("do not shout...");
            assertThat(cl.clean("plain text")).isEqualTo("plain text");
            assertThat(cl.clean("It's")).isEqualTo("it is");
            @SuppressWarnings("unchecked")
            Map<String, Object> n = (Map<String, Object>) cl.report().toJson().get("normalized");
            assertThat(n).isEqualTo(Map.of(
                    "contractions", Map.of("documents", 2L, "replacements", 2L),
                    "punctuation", Map.of("documents", 1L, "replacements", 1L),
                    "lowercase", Map.of("documents", 2L, "replacements", 7L)));
        }
        assertThat(NormalizationStep.parse("all")).isEqualTo(EnumSet.allOf(NormalizationStep.class));
        assertThatThrownBy(() -> NormalizationStep.parse("stem")).hasMessageStartingWith("unknown normalization 'stem'");
    }
}
