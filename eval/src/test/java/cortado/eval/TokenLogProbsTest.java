package cortado.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Log-probabilities of (row, token) pairs equal a double-precision log-softmax (1e-6), rows serving several pairs;
 * is_greedy follows torch's argmax, the first maximal index, so a token that only ties the max after an earlier one
 * is not greedy; transposed (non-contiguous) logits read the same; bad pairs are refused by name.
 */
class TokenLogProbsTest {
    private static final float[][] ROWS = {
            {1f, 3f, 3f, 0f, -1f},      // a tie for the max at tokens 1 and 2
            {0f, 0f, 0f, 0f, 0f},       // every token ties
            {-2.5f, 0.25f, 7f, -30f, 6.5f}};

    private static Tensor logits() {
        float[] flat = new float[15];
        for (int r = 0; r < 3; r++) System.arraycopy(ROWS[r], 0, flat, r * 5, 5);
        return Tensor.of(flat, 3, 5);
    }

    private static double logSoftmax(float[] row, int t) {
        double max = Double.NEGATIVE_INFINITY, z = 0;
        for (float x : row) max = Math.max(max, x);
        for (float x : row) z += Math.exp(x - max);
        return row[t] - max - Math.log(z);
    }

    private static final int[] ROW_OF = {0, 0, 0, 1, 1, 2, 2, 2};
    private static final int[] TOKENS = {1, 2, 0, 0, 4, 2, 4, 3};
    private static final boolean[] GREEDY = {true, false, false, true, false, true, false, false};

    @Test
    void logProbsAndTorchsArgmax() {
        for (Tensor x : new Tensor[] {logits(), logits().transpose(0, 1).contiguous().transpose(0, 1)}) {
            TokenLogProbs lp = TokenLogProbs.of(x, ROW_OF, TOKENS);
            for (int k = 0; k < TOKENS.length; k++) {
                assertThat(lp.logProbs()[k]).as("pair %d", k)
                        .isCloseTo(logSoftmax(ROWS[ROW_OF[k]], TOKENS[k]), within(1e-6));
                assertThat(lp.greedy()[k]).as("pair %d greedy", k).isEqualTo(GREEDY[k]);
            }
        }
    }

    @Test
    void pairsOutsideTheLogitsAreRefused() {
        assertThatThrownBy(() -> TokenLogProbs.of(logits(), new int[] {3}, new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pair 0: row 3, token 0 outside logits Tensor[3, 5]");
        assertThatThrownBy(() -> TokenLogProbs.of(logits(), new int[] {0, 1}, new int[] {5, 0}))
                .hasMessage("pair 0: row 0, token 5 outside logits Tensor[3, 5]");
        assertThatThrownBy(() -> TokenLogProbs.of(logits(), new int[] {0}, new int[] {0, 1}))
                .hasMessage("1 rows for 2 targets");
    }
}
