package cortado.train;

import cortado.tensor.Adam8bit;

/**
 * Where the 8-bit state of up to {@code capacity} elements lies in one segment (bitsandbytes' state1/state2 codes and
 * absmax1/absmax2 of blocks of 256): codes1 at 0, codes2 at {@code capacity}, absmax1 (float32) at 2·capacity, absmax2
 * after it. A whole tensor's state uses capacity = its element count; a page of {@link PagedAdamW} a fixed capacity.
 * All zeros is bitsandbytes' initial state (absmax 0: both moments read 0).
 */
record Blockwise8bitLayout(int capacity) {
    Blockwise8bitLayout {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be positive, got " + capacity);
    }

    static int blocks(long n) { return (int) ((n + Adam8bit.BLOCK - 1) / Adam8bit.BLOCK); }

    long codes2At() { return capacity; }

    long absmax1At() { return 2L * capacity; }

    long absmax2At() { return absmax1At() + 4L * blocks(capacity); }

    long bytes() { return absmax2At() + 4L * blocks(capacity); }

    /** The largest multiple of 256 elements whose state fits in {@code pageBytes}. */
    static int capacityFor(long pageBytes) {
        long perBlock = 2L * Adam8bit.BLOCK + 8;
        long blocks = pageBytes / perBlock;
        if (blocks < 1) throw new IllegalArgumentException("a page of " + pageBytes + " bytes holds no 8-bit block");
        return (int) Math.min(Integer.MAX_VALUE / 2, blocks * Adam8bit.BLOCK);
    }
}
