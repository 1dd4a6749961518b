package cortado.data.clean;

/**
 * The hash functions cleaning uses: MurmurHash3 x64-128 (Appleby) for content hashes, its 64-bit finalizer as a mixer,
 * and FNV-1a folded through that finalizer for words. Fixed seeds: hashes are part of what makes runs reproducible.
 */
public final class Hashing {
    private Hashing() {}

    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;

    /** MurmurHash3's fmix64: a bijection on longs whose output bits each depend on every input bit. */
    public static long mix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** MurmurHash3_x64_128 of {@code data[off, off+len)}; returns {h1, h2}. Matches the reference C implementation. */
    public static long[] murmur3x64_128(byte[] data, int off, int len, long seed) {
        long h1 = seed, h2 = seed;
        int nblocks = len / 16;
        for (int i = 0; i < nblocks; i++) {
            int p = off + i * 16;
            long k1 = getLong(data, p), k2 = getLong(data, p + 8);
            k1 *= C1; k1 = Long.rotateLeft(k1, 31); k1 *= C2; h1 ^= k1;
            h1 = Long.rotateLeft(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
            k2 *= C2; k2 = Long.rotateLeft(k2, 33); k2 *= C1; h2 ^= k2;
            h2 = Long.rotateLeft(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
        }
        int tail = off + nblocks * 16;
        long k1 = 0, k2 = 0;
        switch (len & 15) {
            case 15: k2 ^= (long) (data[tail + 14] & 0xff) << 48;
            case 14: k2 ^= (long) (data[tail + 13] & 0xff) << 40;
            case 13: k2 ^= (long) (data[tail + 12] & 0xff) << 32;
            case 12: k2 ^= (long) (data[tail + 11] & 0xff) << 24;
            case 11: k2 ^= (long) (data[tail + 10] & 0xff) << 16;
            case 10: k2 ^= (long) (data[tail + 9] & 0xff) << 8;
            case 9: k2 ^= (data[tail + 8] & 0xff);
                k2 *= C2; k2 = Long.rotateLeft(k2, 33); k2 *= C1; h2 ^= k2;
            case 8: k1 ^= (long) (data[tail + 7] & 0xff) << 56;
            case 7: k1 ^= (long) (data[tail + 6] & 0xff) << 48;
            case 6: k1 ^= (long) (data[tail + 5] & 0xff) << 40;
            case 5: k1 ^= (long) (data[tail + 4] & 0xff) << 32;
            case 4: k1 ^= (long) (data[tail + 3] & 0xff) << 24;
            case 3: k1 ^= (long) (data[tail + 2] & 0xff) << 16;
            case 2: k1 ^= (long) (data[tail + 1] & 0xff) << 8;
            case 1: k1 ^= (data[tail] & 0xff);
                k1 *= C1; k1 = Long.rotateLeft(k1, 31); k1 *= C2; h1 ^= k1;
            default:
        }
        h1 ^= len; h2 ^= len;
        h1 += h2; h2 += h1;
        h1 = mix64(h1); h2 = mix64(h2);
        h1 += h2; h2 += h1;
        return new long[] {h1, h2};
    }

    private static long getLong(byte[] b, int p) {
        return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24
                | (b[p + 4] & 0xffL) << 32 | (b[p + 5] & 0xffL) << 40 | (b[p + 6] & 0xffL) << 48 | (b[p + 7] & 0xffL) << 56;
    }

    /** 64-bit hash of {@code s[from, to)} as UTF-16 code units: FNV-1a, then fmix64 so the low bits are usable. */
    public static long hashChars(CharSequence s, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < to; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix64(h);
    }

    /** Order-dependent combination of a run of hashes (for n-grams of words). */
    public static long combine(long[] hashes, int from, int n) {
        long h = 0x9E3779B97F4A7C15L * n;
        for (int i = 0; i < n; i++) h = Long.rotateLeft(h, 23) * 0xbf58476d1ce4e5b9L ^ hashes[from + i];
        return mix64(h);
    }
}
