package cortado.data.clean;

/**
 * The LSH band index: for each indexed document and each band, the hash of that band's rows of the signature, mapped
 * to the document's id. All bands share one structure (the band number is hashed into the key), which holds duplicate
 * keys (a multimap: lookups walk the probe run). Keys are 32-bit; a collision between different bands only yields a
 * candidate that verification rejects.
 *
 * <p>Memory is the dominant cost of near-dup detection on large corpora, so the table is split into 64 segments by
 * the key's top bits, each an open-addressed table (linear probing, load kept between 0.375 and 0.75) that grows on
 * its own: about 11 to 21 bytes per (document, band), and growing never needs more than 1/64 extra at once, where one
 * big table would briefly need 1.5 times its size.
 */
public final class LshIndex {
    private static final int SEGMENT_BITS = 6;
    private static final int SEGMENTS = 1 << SEGMENT_BITS;

    private final int bands;
    private final int rows;
    private final int[][] keys = new int[SEGMENTS][];
    private final int[][] ids = new int[SEGMENTS][];
    private final int[] sizes = new int[SEGMENTS];
    private int[] found = new int[16];
    private int foundCount;

    public LshIndex(int bands, int rows) {
        this.bands = bands;
        this.rows = rows;
        for (int s = 0; s < SEGMENTS; s++) {
            keys[s] = new int[64];
            ids[s] = new int[64];
        }
    }

    /** The key of band {@code band} of {@code sig}; never 0 (0 marks an empty slot). */
    int bandKey(int[] sig, int band) { return bandKey(sig, band, rows); }

    /** The key of band {@code band} ({@code rows} minhashes) of {@code sig}, never 0: shared with the Spark job. */
    public static int bandKey(int[] sig, int band, int rows) {
        long h = Hashing.mix64(0x243F6A8885A308D3L + band);
        int from = band * rows;
        for (int i = 0; i < rows; i++) h = (h ^ (sig[from + i] & 0xFFFFFFFFL)) * 0x9E3779B97F4A7C15L;
        int k = (int) (Hashing.mix64(h) >>> 32);
        return k == 0 ? 1 : k;
    }

    private static int segment(int key) { return key >>> (32 - SEGMENT_BITS); }

    /** Slot from the key's low bits: keys are already mixed hashes, and the top bits chose the segment. */
    private static int slot(int key, int mask) { return key & mask; }

    /** Adds document {@code id} under each of its band keys. */
    public void add(int[] sig, int id) {
        for (int band = 0; band < bands; band++) {
            int key = bandKey(sig, band);
            int s = segment(key);
            if ((sizes[s] + 1) * 4L > keys[s].length * 3L) grow(s);
            insert(keys[s], ids[s], key, id);
            sizes[s]++;
        }
    }

    /**
     * Ids of indexed documents sharing at least one band with {@code sig}, each once, at most {@code limit} of them
     * (a bound on work for pathological buckets). The returned array is reused by the next call.
     */
    public int[] candidates(int[] sig, int limit) {
        foundCount = 0;
        for (int band = 0; band < bands && foundCount < limit; band++) {
            int key = bandKey(sig, band);
            int s = segment(key);
            int[] k = keys[s], v = ids[s];
            int mask = k.length - 1;
            for (int i = slot(key, mask); k[i] != 0; i = (i + 1) & mask) {
                if (k[i] == key && !seen(v[i])) {
                    if (foundCount == found.length) found = java.util.Arrays.copyOf(found, foundCount * 2);
                    found[foundCount++] = v[i];
                    if (foundCount >= limit) break;
                }
            }
        }
        return found;
    }

    /** Number of ids in the array {@link #candidates} last returned. */
    public int candidateCount() { return foundCount; }

    private boolean seen(int id) {
        for (int i = 0; i < foundCount; i++) if (found[i] == id) return true;
        return false;
    }

    private static void insert(int[] keys, int[] ids, int key, int id) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (keys[i] != 0) i = (i + 1) & mask;
        keys[i] = key;
        ids[i] = id;
    }

    private void grow(int s) {
        int[] ok = keys[s], oi = ids[s];
        int[] nk = new int[ok.length * 2], ni = new int[oi.length * 2];
        for (int i = 0; i < ok.length; i++) if (ok[i] != 0) insert(nk, ni, ok[i], oi[i]);
        keys[s] = nk;
        ids[s] = ni;
    }

    /** Bytes held by the tables. */
    public long bytes() {
        long b = 0;
        for (int[] k : keys) b += 8L * k.length;
        return b;
    }
}
