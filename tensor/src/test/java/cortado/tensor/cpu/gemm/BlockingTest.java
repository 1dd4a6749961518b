package cortado.tensor.cpu.gemm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The B block is sized from the L2 size that Linux reports; a bad or missing description falls back, never fails. */
class BlockingTest {
    @Test
    void parsesSysfsCacheSizes() {
        assertThat(CacheSize.parse("2048K")).isEqualTo(2L << 20);
        assertThat(CacheSize.parse("1M")).isEqualTo(1L << 20);
        assertThat(CacheSize.parse("524288")).isEqualTo(524288L);
        assertThat(CacheSize.parse("")).isEqualTo(-1);
        assertThat(CacheSize.parse("lots")).isEqualTo(-1);
        assertThat(CacheSize.l2Bytes()).isPositive();
    }

    @Test
    void blockTakesHalfOfL2OnWholePanels() {
        int nr = MicroKernel.NR;
        // 2 MiB L2, depth 256: 1 MiB / 1 KiB per column = 1024 columns (whole NR panels).
        assertThat(BlockedGemm.blockWidth(2L << 20, 256)).isEqualTo(1024 / nr * nr);
        assertThat(BlockedGemm.blockWidth(1L << 20, 256)).isEqualTo(512 / nr * nr);
        assertThat(BlockedGemm.blockWidth(1L << 10, 256)).isEqualTo(4 * nr);     // tiny cache: still a few panels
        assertThat(BlockedGemm.blockWidth(1L << 40, 256)).isEqualTo(4096 / nr * nr);
        assertThat(BlockedGemm.NC % nr).isZero();
    }
}
