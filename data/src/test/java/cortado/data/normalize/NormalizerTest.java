package cortado.data.normalize;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The normalization steps on cases whose expected output is fixed by Unicode and by HF tokenizers' behaviour. */
class NormalizerTest {
    @Test
    void unicodeForms() {
        assertThat(UnicodeForm.NFC.normalize("e\u0301")).isEqualTo("\u00e9");
        assertThat(UnicodeForm.NFD.normalize("\u00e9")).isEqualTo("e\u0301");
        assertThat(UnicodeForm.NFKC.normalize("\ufb01 \uff21 x\u00b2")).isEqualTo("fi A x2");
        assertThat(UnicodeForm.NFC.normalize("\ufb01")).isEqualTo("\ufb01");
    }

    @Test
    void lowercaseIsPerCodePointLikeHf() {
        // No final-sigma rule (String.toLowerCase would give ς at the end), İ -> i + combining dot above.
        assertThat(Lowercase.INSTANCE.normalize("ΟΔΥΣΣΕΥΣ")).isEqualTo("οδυσσευσ");
        assertThat(Lowercase.INSTANCE.normalize("İstanbul")).isEqualTo("i\u0307stanbul");
        assertThat(Lowercase.INSTANCE.normalize("ABC \uD801\uDC00")).isEqualTo("abc \uD801\uDC28");
    }

    @Test
    void stripAccentsDropsNonspacingMarks() {
        assertThat(StripAccents.INSTANCE.normalize("Crème brûlée, naïve, Ångström")).isEqualTo("Creme brulee, naive, Angstrom");
        assertThat(StripAccents.INSTANCE.normalize("مَرْحَبًا")).isEqualTo("مرحبا");
    }

    @Test
    void whitespaceAndControlCleanup() {
        assertThat(new WhitespaceCleanup(false).normalize("a\tb\u0000c\u200bd\u00a0e\u0007f\u3000g"))
                .isEqualTo("a bcd ef g");
        assertThat(new WhitespaceCleanup(true).normalize("  many   spaces\n\nand lines  ")).isEqualTo("many spaces and lines");
    }

    @Test
    void bertNormalizerSpacesCjkAndFollowsHfOrder() {
        assertThat(BertNormalizer.of(true).normalize("Héllo中文\u0001World")).isEqualTo("hello 中  文 world");
        assertThat(BertNormalizer.of(false).normalize("Héllo")).isEqualTo("Héllo");
    }
}
