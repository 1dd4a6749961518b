package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whole-word masking against transformers 5.18's collator on fixed WordPiece tokens
 * (tools/golden/make_wwm_golden.py): Cortado's words ({@link MlmMasking#wordStarts}, "##" continues a word) are the
 * collator's ({@code _calc_word_ids_and_prob_mask}, from character offsets) on space-separated words, and for the
 * same drawn words {@link MlmMasking#maskWords} gives the collator's labels (-100 off the masked words) and inputs
 * ([MASK] on every token of a drawn word). Where punctuation touches a word the collator joins it to that word and
 * Cortado does not: the test pins that difference to exactly the punctuation tokens and those that follow them
 * without a space, and checks the masks agree wherever the words do.
 */
class WholeWordMaskParityTest {
    @SuppressWarnings("unchecked")
    static Map<String, Object> golden() throws Exception {
        try (InputStream in = WholeWordMaskParityTest.class.getResourceAsStream("/golden/wwm.json")) {
            return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    /** Word ids as the collator numbers them: 1, 2, ... from the start of the row, -1 on special tokens. */
    static int[] wordIds(boolean[] special, boolean[] starts) {
        int[] w = new int[special.length];
        int word = 0;
        for (int i = 0; i < w.length; i++) {
            if (starts[i]) word++;
            w[i] = special[i] ? -1 : word;
        }
        return w;
    }

    static boolean punctuation(String token) { return token.length() == 1 && !Character.isLetterOrDigit(token.charAt(0)); }

    @Test
    @SuppressWarnings("unchecked")
    void groupingAndMasksMatchTheCollator() throws Exception {
        Map<String, Object> g = golden();
        List<String> vocab = (List<String>) g.get("vocab");
        boolean[] continuation = new boolean[vocab.size()];
        for (int id = 0; id < vocab.size(); id++) continuation[id] = vocab.get(id).startsWith("##");
        int maskId = ((Number) g.get("mask_id")).intValue();
        MlmMasking masking = new MlmMasking(maskId, vocab.size(), 0.15, 0);
        List<Map<String, Object>> cases = (List<Map<String, Object>>) g.get("cases");
        assertThat(cases).hasSize(4);
        int punctuationCases = 0;
        for (Map<String, Object> c : cases) {
            String text = (String) c.get("text");
            int[] ids = ints(c.get("input_ids")), hfWords = ints(c.get("word_ids"));
            List<String> tokens = (List<String>) c.get("tokens");
            int[] specialFlags = ints(c.get("special_tokens_mask"));
            boolean[] special = new boolean[ids.length];
            for (int i = 0; i < ids.length; i++) special[i] = specialFlags[i] == 1;
            boolean[] starts = MlmMasking.wordStarts(ids, special, continuation);
            boolean[] drawn = new boolean[ids.length];
            for (int t : ints(c.get("drawn"))) drawn[t] = true;
            MlmMasking.Masked m = masking.maskWords(ids, special, starts, drawn);
            int[] labels = ints(c.get("labels")), inputs = ints(c.get("masked_inputs"));

            if (!(Boolean) c.get("punctuation_touches")) {
                assertThat(wordIds(special, starts)).as(text + ": words").isEqualTo(hfWords);
                assertThat(m.labels()).as(text + ": labels").isEqualTo(labels);
                assertThat(m.inputs()).as(text + ": inputs").isEqualTo(inputs);
                continue;
            }
            punctuationCases++;
            // The collator's words are Cortado's with each punctuation token, and the tokens that follow it without a
            // space, joined to the word before.
            boolean sawDifference = false;
            for (int i = 1; i < ids.length; i++) {
                if (special[i]) continue;
                boolean hfStart = hfWords[i] != hfWords[i - 1];
                boolean joinedThere = starts[i] && !hfStart;
                if (joinedThere) {
                    sawDifference = true;
                    assertThat(punctuation(tokens.get(i)) || punctuation(tokens.get(i - 1)))
                            .as(text + ": token " + i + " '" + tokens.get(i) + "' joined by the collator").isTrue();
                } else assertThat(starts[i]).as(text + ": token " + i + " '" + tokens.get(i) + "'").isEqualTo(hfStart);
            }
            assertThat(sawDifference).isTrue();
            // The drawn words' own tokens are masked in both; the collator also masks the punctuation it joined.
            for (int i = 0; i < ids.length; i++)
                if (m.labels()[i] != MlmMasking.IGNORE_INDEX)
                    assertThat(labels[i]).as(text + ": token " + i + " masked by both").isEqualTo(m.labels()[i]);
        }
        assertThat(punctuationCases).isEqualTo(1);
    }

    @Test
    void drawsOnlyFirstTokensAndMasksTheWholeWord() {
        // applyWholeWords with probability near 1 draws every word: every non-special token masked, ## pieces too
        MlmMasking m = new MlmMasking(4, 40, 0.999999, 3);
        int[] ids = {2, 10, 20, 21, 11, 3};
        boolean[] special = {true, false, false, false, false, true};
        boolean[] continuation = new boolean[40];
        continuation[21] = true;
        MlmMasking.Masked out = m.applyWholeWords(ids, special, MlmMasking.wordStarts(ids, special, continuation));
        assertThat(out.labels()).containsExactly(-100, 10, 20, 21, 11, -100);
        assertThat(out.inputs()).containsExactly(2, 4, 4, 4, 4, 3);
    }
}
