package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.randn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Paged attention reading keys and values through shuffled block tables gives the same bits as the fused kernel on
 * the same keys laid out contiguously ({@code [B, Hkv, S, D]}, rows shorter than S padded with garbage that the mask
 * hides): decoding (T = 1) and prefill after a cached prefix (T > 1), multi-head and grouped-query, rows of their own
 * lengths (per-row query offsets), block sizes below, equal to and above the kernel's key tile.
 */
class PagedAttentionTest {
    private final Backend be = Backends.cpu();

    @ParameterizedTest
    @CsvSource({
            "1, 4, 4, 16",    // decode, MHA, small blocks: tiles span blocks (values gathered)
            "1, 4, 2, 64",    // decode, GQA, blocks as large as or larger than a tile (values in place)
            "7, 4, 1, 16",    // prefill of 7 tokens after a prefix, MQA (key tiles transposed up front)
            "70, 2, 2, 8",    // a prefill longer than one query block
            "3, 2, 2, 5"})    // a block size that divides nothing
    void pagedEqualsContiguous(int t, int h, int hkv, int bs) {
        Random r = new Random(31 + t * 7 + bs);
        int d = 16, b = 3;
        int[] lengths = {t + 45, t + 3, t + 130};    // keys per row after this step's t new ones
        int s = 0;
        for (int len : lengths) s = Math.max(s, len);
        int blocksPerRow = (s + bs - 1) / bs, n = b * blocksPerRow + 5;
        Tensor kPool = randn(r, n, hkv, bs, d), vPool = randn(r, n, hkv, bs, d);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) ids.add(i);
        Collections.shuffle(ids, r);
        int[][] tables = new int[b][];
        Tensor k = randn(r, b, hkv, s, d), v = randn(r, b, hkv, s, d);   // garbage past each row's length
        float[] ka = k.data(), va = v.data(), kp = kPool.data(), vp = vPool.data();
        for (int row = 0, next = 0; row < b; row++) {
            int need = (lengths[row] + bs - 1) / bs;
            tables[row] = new int[need];
            for (int i = 0; i < need; i++) tables[row][i] = ids.get(next++);
            for (int hk = 0; hk < hkv; hk++)
                for (int j = 0; j < lengths[row]; j++) {
                    int src = ((tables[row][j / bs] * hkv + hk) * bs + j % bs) * d, dst = ((row * hkv + hk) * s + j) * d;
                    System.arraycopy(kp, src, ka, dst, d);
                    System.arraycopy(vp, src, va, dst, d);
                }
        }
        int[] offsets = new int[b];
        for (int row = 0; row < b; row++) offsets[row] = lengths[row] - t;
        AttentionMask mask = AttentionMask.CAUSAL.withQueryOffsets(offsets);
        Tensor q = randn(r, b, t, h, d).permute(0, 2, 1, 3);   // a strided view, as the layers hand it over
        float scale = (float) (1 / Math.sqrt(d));
        Backend.AttentionResult paged = be.pagedAttention(q, kPool, vPool, tables, lengths, mask, scale);
        Backend.AttentionResult plain = be.attention(q, k, v, mask, scale);
        assertThat(paged.out().toArray()).containsExactly(plain.out().toArray());
        assertThat(paged.lse().toArray()).containsExactly(plain.lse().toArray());
    }

    @ParameterizedTest
    @CsvSource({"1", "4"})
    void maskReachingPastARowsKeysIsRefused(int t) {
        Random r = new Random(2);
        Tensor kPool = randn(r, 4, 1, 4, 8), q = randn(r, 2, 1, t, 8);
        int[][] tables = {{0, 1}, {2}};
        // Bidirectional over S = 6 keys lets row 1, which holds 3, see keys it does not have.
        assertThatThrownBy(() -> be.pagedAttention(q, kPool, kPool, tables, new int[] {6, 3},
                AttentionMask.BIDIRECTIONAL, 1f)).hasMessageContaining("row 1 see key 5");
        assertThatThrownBy(() -> be.pagedAttention(q, kPool, kPool, tables, new int[] {9, 3}, AttentionMask.CAUSAL, 1f))
                .hasMessageContaining("blocks of 4");
    }
}
