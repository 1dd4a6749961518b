package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchesTest {
    static TokenData counting(int n) {
        return TokenData.of(IntStream.range(0, n).toArray(), "counting");
    }

    @Test
    void sequentialOrderIsLlmcsWindowsAndWrapsAtTheEnd() {
        // 2 rows x 3 tokens = 6 per batch; 20 tokens hold (20-1)/6 = 3 batches, then back to 0
        Batches b = Batches.sequential(counting(20), 2, 3);
        for (int i = 0; i < 3; i++) {
            Batches.Batch x = b.next();
            assertThat(x.inputs()).containsExactly(IntStream.range(6 * i, 6 * i + 6).toArray());
            assertThat(x.targets()).containsExactly(IntStream.range(6 * i + 1, 6 * i + 7).toArray());
        }
        assertThat(b.next().inputs()).containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void exactlyFittingLastBatchIsUsed() {
        // 13 tokens: batches at 0 and 6 (needs tokens up to 12)
        Batches b = Batches.sequential(counting(13), 2, 3);
        b.next();
        assertThat(b.next().targets()).containsExactly(7, 8, 9, 10, 11, 12);
        assertThat(b.next().inputs()[0]).isZero();
    }

    @Test
    void randomOrderIsSeededAndInRangeAndResumable() {
        TokenData d = counting(50);
        Batches a = Batches.random(d, 4, 8, 42), c = Batches.random(d, 4, 8, 42), other = Batches.random(d, 4, 8, 43);
        Batches.Batch x = a.next();
        assertThat(c.next().inputs()).containsExactly(x.inputs());
        assertThat(other.next().inputs()).isNotEqualTo(x.inputs());
        for (int r = 0; r < 4; r++) {
            int start = x.inputs()[r * 8];
            assertThat(start).isBetween(0, 50 - 8 - 1);
            for (int t = 0; t < 8; t++) {
                assertThat(x.inputs()[r * 8 + t]).isEqualTo(start + t);
                assertThat(x.targets()[r * 8 + t]).isEqualTo(start + t + 1);
            }
        }
        long saved = a.state();
        int[] expected = a.next().inputs();
        Batches resumed = Batches.random(d, 4, 8, 0);
        resumed.restore(saved);
        assertThat(resumed.next().inputs()).containsExactly(expected);
    }

    @Test
    void tooLittleDataForOneBatchIsAnError() {
        assertThatThrownBy(() -> Batches.sequential(counting(6), 2, 3))
                .isInstanceOf(TokenDataException.class).hasMessageContaining("holds 6 tokens")
                .hasMessageContaining("B*T+1 = 7");
    }
}
