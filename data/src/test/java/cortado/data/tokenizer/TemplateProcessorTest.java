package cortado.data.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Templates, truncation and padding. Expected lengths were read off HF tokenizers 0.23 (WordLevel + BertProcessing). */
class TemplateProcessorTest {
    @Test
    void longestFirstLengthsAsHf() {
        // {na, nb, maxLength incl. 3 specials, expected a, expected b}
        int[][] cases = {
                {25, 24, 24, 10, 11}, {31, 20, 24, 11, 10}, {20, 31, 24, 10, 11}, {5, 30, 24, 5, 16}, {30, 5, 24, 16, 5},
                {11, 11, 24, 10, 11}, {10, 30, 24, 10, 11}, {30, 10, 24, 11, 10}, {3, 4, 24, 3, 4}, {40, 2, 10, 5, 2},
        };
        for (int[] c : cases) {
            assertThat(TemplateProcessor.truncatedLengths(c[0], c[1], c[2] - 3, c[2]))
                    .as("%d + %d into %d", c[0], c[1], c[2]).containsExactly(c[3], c[4]);
        }
    }

    @Test
    void bertPairTemplateWithTypesPaddingAndMask() {
        TemplateProcessor bert = TemplateProcessor.bert(101, 102);
        Encoding e = bert.apply(new int[] {1, 2, 3}, new int[] {4, 5}, 0).padTo(10, 0);
        assertThat(e.ids()).containsExactly(101, 1, 2, 3, 102, 4, 5, 102, 0, 0);
        assertThat(e.typeIds()).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 0, 0);
        assertThat(e.attentionMask()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 0, 0);
        Encoding single = bert.apply(new int[] {1, 2, 3, 4, 5, 6}, null, 5);
        assertThat(single.ids()).containsExactly(101, 1, 2, 3, 102);
    }

    @Test
    void customTemplateParsesTypeIds() {
        TemplateProcessor t = TemplateProcessor.parse("<s> $A </s>", "<s> $A </s> </s>:1 $B:1 </s>:1", Map.of("<s>", 0, "</s>", 2));
        Encoding e = t.apply(new int[] {7}, new int[] {8}, 0);
        assertThat(e.ids()).containsExactly(0, 7, 2, 2, 8, 2);
        assertThat(e.typeIds()).containsExactly(0, 0, 0, 1, 1, 1);
        assertThat(Encoding.padToLongest(java.util.List.of(e, t.apply(new int[] {7}, null, 0)), 1).get(1).ids())
                .containsExactly(0, 7, 2, 1, 1, 1);
    }
}
