package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The block pool's reference counts, prefix-cache hash chain and least-recently-released eviction. */
class KvBlockPoolTest {
    private static final int[] IDS = {1, 2, 3, 4, 5, 6, 7, 8};

    @Test
    void referenceCountsFreeABlockOnlyAtZero() {
        KvBlockPool pool = new KvBlockPool(3, 4);
        int a = pool.allocate();
        assertThat(pool.inUse()).isEqualTo(1);
        assertThat(pool.available()).isEqualTo(2);
        pool.cache(a, BlockHash.of(null, IDS, 0, 4, null));
        pool.acquire(a);   // a second sequence shares it
        assertThat(pool.refs(a)).isEqualTo(2);
        pool.release(a);
        assertThat(pool.inUse()).as("still referenced once").isEqualTo(1);
        pool.release(a);
        assertThat(pool.inUse()).isZero();
        assertThat(pool.cachedFree()).as("unreferenced but cached").isEqualTo(1);
        assertThat(pool.available()).isEqualTo(3);
        assertThatThrownBy(() -> pool.release(a)).hasMessageContaining("released more often");
        int b = pool.allocate();
        pool.release(b);
        assertThatThrownBy(() -> pool.acquire(b)).hasMessageContaining("holds no cached prefix");
    }

    @Test
    void hashesChainOverTheWholePrefixAndTheExtraKey() {
        BlockHash first = BlockHash.of(null, IDS, 0, 4, null);
        BlockHash second = BlockHash.of(first, IDS, 4, 4, null);
        assertThat(BlockHash.of(null, IDS, 0, 4, null)).isEqualTo(first);
        assertThat(BlockHash.of(first, IDS, 4, 4, null)).isEqualTo(second);
        assertThat(BlockHash.of(null, IDS, 4, 4, null)).as("same tokens, no parent").isNotEqualTo(second);
        int[] other = {9, 2, 3, 4, 5, 6, 7, 8};
        assertThat(BlockHash.of(BlockHash.of(null, other, 0, 4, null), other, 4, 4, null))
                .as("same tokens after a different first block").isNotEqualTo(second);
        assertThat(BlockHash.of(null, IDS, 0, 4, "adapter")).isNotEqualTo(first);
        assertThat(BlockHash.of(first, IDS, 4, 4, null).value()).isNotEqualTo(first.value());
    }

    @Test
    void evictionTakesFreeBlocksFirstThenTheLeastRecentlyReleasedCachedOne() {
        KvBlockPool pool = new KvBlockPool(3, 4);
        int a = pool.allocate(), b = pool.allocate();
        BlockHash ha = BlockHash.of(null, IDS, 0, 4, null), hb = BlockHash.of(ha, IDS, 4, 4, null);
        pool.cache(a, ha);
        pool.cache(b, hb);
        pool.release(b);   // released first: evicted first
        pool.release(a);
        assertThat(pool.cachedBlock(ha)).isEqualTo(a);
        int c = pool.allocate();
        assertThat(c).as("the never-cached block goes before any cached one").isNotIn(a, b);
        assertThat(pool.evictions()).isZero();
        assertThat(pool.allocate()).isEqualTo(b);
        assertThat(pool.cachedBlock(hb)).as("evicted: its hash is gone").isEqualTo(-1);
        assertThat(pool.cachedBlock(ha)).isEqualTo(a);
        pool.acquire(a);   // a hit takes a back from eviction
        assertThat(pool.available()).isZero();
        assertThatThrownBy(pool::allocate).hasMessageContaining("out of blocks");
        assertThat(pool.evictions()).isEqualTo(1);
    }

    @Test
    void aPrefixAlreadyCachedKeepsItsBlock() {
        KvBlockPool pool = new KvBlockPool(2, 4);
        int a = pool.allocate(), b = pool.allocate();
        BlockHash h = BlockHash.of(null, IDS, 0, 4, null);
        assertThat(pool.cache(a, h)).isTrue();
        assertThat(pool.cache(b, h)).as("computed twice at once: the first stays the cached one").isFalse();
        pool.release(b);
        assertThat(pool.cachedFree()).isZero();
        assertThat(pool.cachedBlock(h)).isEqualTo(a);
    }
}
