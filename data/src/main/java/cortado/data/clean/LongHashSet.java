package cortado.data.clean;

import java.util.Arrays;

/**
 * A set of 64-bit or 128-bit keys in flat arrays (open addressing, linear probing): 16 bytes per 128-bit key at a load
 * of at most one half, no boxing: an exact-dedup index of one million documents takes 32 to 64 MB. The key (0, 0)
 * is stored out of band.
 */
public final class LongHashSet {
    private long[] hi;
    private long[] lo;
    private int size;
    private boolean hasZero;

    public LongHashSet(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        hi = new long[cap];
        lo = new long[cap];
    }

    /** Adds a 64-bit key; true when it was not there before. */
    public boolean add(long key) { return add(key, 0); }

    /** Adds a 128-bit key; true when it was not there before. */
    public boolean add(long h, long l) {
        if (h == 0 && l == 0) {
            if (hasZero) return false;
            hasZero = true;
            size++;
            return true;
        }
        if ((size + 1) * 2 > hi.length) grow();
        if (!insert(hi, lo, h, l)) return false;
        size++;
        return true;
    }

    public boolean contains(long h, long l) {
        if (h == 0 && l == 0) return hasZero;
        int mask = hi.length - 1;
        for (int i = slot(h, l, mask); ; i = (i + 1) & mask) {
            if (hi[i] == 0 && lo[i] == 0) return false;
            if (hi[i] == h && lo[i] == l) return true;
        }
    }

    public boolean contains(long key) { return contains(key, 0); }

    public int size() { return size; }

    public void clear() {
        if (size == 0) return;
        Arrays.fill(hi, 0);
        Arrays.fill(lo, 0);
        size = 0;
        hasZero = false;
    }

    private static int slot(long h, long l, int mask) {
        return (int) Hashing.mix64(h ^ Long.rotateLeft(l, 17)) & mask;
    }

    private static boolean insert(long[] hi, long[] lo, long h, long l) {
        int mask = hi.length - 1;
        for (int i = slot(h, l, mask); ; i = (i + 1) & mask) {
            if (hi[i] == 0 && lo[i] == 0) {
                hi[i] = h;
                lo[i] = l;
                return true;
            }
            if (hi[i] == h && lo[i] == l) return false;
        }
    }

    private void grow() {
        long[] nh = new long[hi.length * 2], nl = new long[lo.length * 2];
        for (int i = 0; i < hi.length; i++) if (hi[i] != 0 || lo[i] != 0) insert(nh, nl, hi[i], lo[i]);
        hi = nh;
        lo = nl;
    }
}
