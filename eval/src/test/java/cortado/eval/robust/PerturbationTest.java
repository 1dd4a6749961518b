package cortado.eval.robust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The perturbations: keyboard distance, severity 0 and 1, the same draws at every severity, paraphrase templates. */
class PerturbationTest {
    static final String TEXT = "Question: What is the capital of France? It is not Lyon, she said.";

    @Test
    void keyboardNeighboursAreTheKeysAround() {
        assertThat(sorted(new String(QwertyKeyboard.neighbours('s')))).isEqualTo(sorted("weadzx"));
        assertThat(sorted(new String(QwertyKeyboard.neighbours('q')))).isEqualTo(sorted("12wa"));
        assertThat(sorted(new String(QwertyKeyboard.neighbours('S')))).isEqualTo(sorted("WEADZX"));
        assertThat(QwertyKeyboard.neighbours('?')).isEmpty();
    }

    @Test
    void severityZeroIsTheIdentityAndTheDrawsDoNotDependOnSeverity() {
        for (Perturbation p : Perturbation.ALL) {
            assertThat(p.apply(TEXT, 0, new Random(3))).as(p.name()).isEqualTo(TEXT);
            assertThat(p.apply(TEXT, 0.5, new Random(3))).as(p.name()).isEqualTo(p.apply(TEXT, 0.5, new Random(3)));
        }
        String light = new KeyboardTypos().apply(TEXT, 0.1, new Random(9)), heavy = new KeyboardTypos().apply(TEXT, 0.6, new Random(9));
        int lightEdits = 0, heavyEdits = 0;
        for (int i = 0; i < TEXT.length(); i++) {
            char c = TEXT.charAt(i);
            if (light.charAt(i) != c) {
                lightEdits++;
                assertThat(heavy.charAt(i)).as("a light typo at %d is a heavy one too", i).isEqualTo(light.charAt(i));
                assertThat(new String(QwertyKeyboard.neighbours(c))).contains(String.valueOf(light.charAt(i)));
            }
            if (heavy.charAt(i) != c) heavyEdits++;
        }
        assertThat(lightEdits).isPositive();
        assertThat(heavyEdits).isGreaterThan(2 * lightEdits);
        String all = new KeyboardTypos().apply("abc", 1, new Random(1));
        for (int i = 0; i < 3; i++) assertThat(all.charAt(i)).isNotEqualTo("abc".charAt(i));
        assertThat(new CaseFlips().apply("abC", 1, new Random(1))).isEqualTo("ABc");
        assertThatThrownBy(() -> new CaseFlips().apply("a", 1.5, new Random(1))).hasMessageContaining("outside [0, 1]");
    }

    @Test
    void paraphraseTemplatesAtFullSeverity() {
        assertThat(new ParaphraseTemplates().apply("What is 2 plus 3?", 1, new Random(1)))
                .isEqualTo("Please answer this: Can you tell me what 2 added to 3 is?");
        assertThat(new ParaphraseTemplates().apply("It is not here.", 1, new Random(1))).isEqualTo("Please answer this: It's not here.");
        assertThat(new CharacterSwaps().apply("ab cd", 1, new Random(1))).isEqualTo("ba dc");
        // at severity 1 every mark of the text goes (stray ones may come in after words)
        assertThat(new PunctuationNoise().apply("Hi, you!", 1, new Random(1)).replaceAll("[,.;:!?]", "")).isEqualTo("Hi you");
        assertThat(new WhitespaceNoise().apply("a b c d e f", 1, new Random(1))).isNotEqualTo("a b c d e f");
    }

    private static String sorted(String s) {
        char[] c = s.toCharArray();
        java.util.Arrays.sort(c);
        return new String(c);
    }
}
