package cortado.tensor.cpu;

import cortado.tensor.Tensor;

/**
 * Keys and values stored in fixed-size blocks (vLLM's PagedAttention, Kwon et al. 2023): pools {@code [N, Hkv, bs, D]}
 * and per batch row a block table, so key j of row b is slot {@code j % bs} of block {@code table[b][j / bs]}. The
 * attention kernel reads key tiles through the table as it transposes them and gathers each tile's value rows into
 * scratch, so no contiguous copy of a row's history is ever made.
 */
final class PagedKeyValues implements AttentionKernel.KeyValueSource {
    private final float[] ka, va;
    private final int kOff, kBlock, kHead, kRow, vOff, vBlock, vHead, vRow, blockSize;
    private final int[][] tables;
    private final int[] lengths;

    PagedKeyValues(Tensor keyBlocks, Tensor valueBlocks, int[][] tables, int[] lengths) {
        Tensor k = keyBlocks.stride(3) == 1 ? keyBlocks : keyBlocks.contiguous();
        Tensor v = valueBlocks.stride(3) == 1 ? valueBlocks : valueBlocks.contiguous();
        this.ka = k.data();
        this.va = v.data();
        this.kOff = k.offset();
        this.kBlock = k.stride(0);
        this.kHead = k.stride(1);
        this.kRow = k.stride(2);
        this.vOff = v.offset();
        this.vBlock = v.stride(0);
        this.vHead = v.stride(1);
        this.vRow = v.stride(2);
        this.blockSize = k.size(2);
        this.tables = tables;
        this.lengths = lengths;
    }

    @Override public int keys(int b) { return lengths[b]; }

    @Override
    public void transposeKeys(int b, int hk, int j0, int n, int d, float[] dst, int dOff) {
        int bk = AttentionKernel.BK;
        for (int j = 0; j < n; j++) {
            int p = j0 + j, r = kOff + tables[b][p / blockSize] * kBlock + hk * kHead + (p % blockSize) * kRow;
            for (int x = 0; x < d; x++) dst[dOff + x * bk + j] = ka[r + x];
        }
        if (n < bk) for (int x = 0; x < d; x++) java.util.Arrays.fill(dst, dOff + x * bk + n, dOff + (x + 1) * bk, 0f);
    }

    @Override
    public void values(int b, int hk, int j0, int n, int d, AttentionKernel.ValueTile tile) {
        // A tile inside one block is read in place; one that spans blocks is gathered row by row.
        int first = j0 / blockSize, last = (j0 + Math.max(n, 1) - 1) / blockSize;
        if (first == last) {
            tile.set(va, vOff + tables[b][first] * vBlock + hk * vHead + (j0 % blockSize) * vRow, vRow);
            return;
        }
        float[] s = tile.scratch;
        for (int j = 0; j < n; j++) {
            int p = j0 + j;
            System.arraycopy(va, vOff + tables[b][p / blockSize] * vBlock + hk * vHead + (p % blockSize) * vRow, s, j * d, d);
        }
        tile.set(s, 0, d);
    }
}
