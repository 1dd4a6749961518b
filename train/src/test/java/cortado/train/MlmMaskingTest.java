package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** MLM corruption: DataCollatorForLanguageModeling's 15% selection and 80/10/10 split, special tokens untouched. */
class MlmMaskingTest {
    static final int VOCAB = 1000, MASK = 103, CLS = 101, SEP = 102;

    static int[] row(int n) {
        int[] ids = new int[n];
        ids[0] = CLS;
        ids[n - 1] = SEP;
        for (int i = 1; i < n - 1; i++) ids[i] = 200 + (i % 700); // never the mask id itself
        return ids;
    }

    static boolean[] specials(int n) {
        boolean[] s = new boolean[n];
        s[0] = s[n - 1] = true;
        return s;
    }

    @Test
    void selectionAndSplitMatchTheCollatorsRates() throws Exception {
        // 200k candidate tokens: the binomial standard error of 15% is 0.08%, of the 80/10/10 split ~0.25% of 30k
        MlmMasking m = new MlmMasking(MASK, VOCAB, 0.15, 7);
        int n = 1002, rows = 200;
        long candidates = 0, selected = 0, masked = 0, kept = 0, replaced = 0;
        for (int r = 0; r < rows; r++) {
            int[] ids = row(n);
            MlmMasking.Masked out = m.apply(ids, specials(n));
            for (int i = 1; i < n - 1; i++) {
                candidates++;
                if (out.labels()[i] == MlmMasking.IGNORE_INDEX) {
                    assertThat(out.inputs()[i]).isEqualTo(ids[i]); // unselected tokens are never changed
                    continue;
                }
                selected++;
                assertThat(out.labels()[i]).isEqualTo(ids[i]);
                if (out.inputs()[i] == MASK) masked++;
                else if (out.inputs()[i] == ids[i]) kept++;
                else replaced++;
            }
        }
        // HF's rates (tools/train/make_mlm_masking_golden.py, same rows, torch's RNG): two independent samples of
        // 200k candidates / ~30k selected, so the tolerances are ~5 standard errors of their difference
        Map<String, Object> hf = OptimizerParityTest.golden("/golden/mlm_masking.json");
        assertThat((double) selected / candidates).isCloseTo(rate(hf, "selected_rate"), within(0.0056));
        assertThat((double) masked / selected).isCloseTo(rate(hf, "masked_rate"), within(0.016));
        assertThat((double) replaced / selected).isCloseTo(rate(hf, "replaced_rate"), within(0.012));
        assertThat((double) kept / selected).isCloseTo(rate(hf, "kept_rate"), within(0.012));
        // and the collator's nominal figures, which HF's sample itself meets
        assertThat(rate(hf, "selected_rate")).isCloseTo(0.15, within(0.004));
    }

    static double rate(Map<String, Object> golden, String key) { return ((Number) golden.get(key)).doubleValue(); }

    @Test
    void specialTokensAreNeverSelectedEvenAtHighRates() {
        MlmMasking m = new MlmMasking(MASK, VOCAB, 0.99, 1);
        for (int r = 0; r < 100; r++) {
            MlmMasking.Masked out = m.apply(row(8), specials(8));
            assertThat(out.inputs()[0]).isEqualTo(CLS);
            assertThat(out.inputs()[7]).isEqualTo(SEP);
            assertThat(out.labels()[0]).isEqualTo(MlmMasking.IGNORE_INDEX);
            assertThat(out.labels()[7]).isEqualTo(MlmMasking.IGNORE_INDEX);
        }
    }

    @Test
    void theSameSeedGivesTheSameMasksAndAnotherSeedDoesNot() {
        int[] ids = row(512);
        MlmMasking.Masked a = new MlmMasking(MASK, VOCAB, 0.15, 42).apply(ids, specials(512));
        MlmMasking.Masked b = new MlmMasking(MASK, VOCAB, 0.15, 42).apply(ids, specials(512));
        MlmMasking.Masked c = new MlmMasking(MASK, VOCAB, 0.15, 43).apply(ids, specials(512));
        assertThat(a.inputs()).isEqualTo(b.inputs());
        assertThat(a.labels()).isEqualTo(b.labels());
        assertThat(Arrays.equals(a.labels(), c.labels())).isFalse();
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> new MlmMasking(MASK, VOCAB, 1.5, 0)).hasMessageContaining("mlm probability");
        assertThatThrownBy(() -> new MlmMasking(VOCAB, VOCAB, 0.15, 0)).hasMessageContaining("mask token id");
        MlmMasking m = new MlmMasking(MASK, VOCAB, 0.15, 0);
        assertThatThrownBy(() -> m.apply(row(4), new boolean[3])).hasMessageContaining("special-tokens mask");
    }
}
