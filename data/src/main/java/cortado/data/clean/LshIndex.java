package cortado.data.clean;

/**
 * The LSH band index: for each indexed document and each band, the hash of that band's rows of the signature, mapped
 * to the document's id. One flat open-addressed table serves all bands (the band number is hashed into the key) and
 * holds duplicate keys (a multimap: lookups walk the probe run). Keys are 32-bit; a collision between different bands
 * only yields a candidate that verification rejects. 16 bytes per (document, band) at the worst load.
 */
public final class LshIndex {
    private final int bands;
    private final int rows;
    private int[] keys;
    private int[] ids;
    private int size;
    private int[] found = new int[16];
    private int foundCount;

    public LshIndex(int bands, int rows) {
        this.bands = bands;
        this.rows = rows;
        keys = new int[1 << 12];
        ids = new int[1 << 12];
    }

    /** The key of band {@code band} of {@code sig}; never 0 (0 marks an empty slot). */
    int bandKey(int[] sig, int band) {
        long h = Hashing.mix64(0x243F6A8885A308D3L + band);
        int from = band * rows;
        for (int i = 0; i < rows; i++) h = (h ^ (sig[from + i] & 0xFFFFFFFFL)) * 0x9E3779B97F4A7C15L;
        int k = (int) (Hashing.mix64(h) >>> 32);
        return k == 0 ? 1 : k;
    }

    /** Adds document {@code id} under each of its band keys. */
    public void add(int[] sig, int id) {
        if ((size + bands) * 2L > keys.length) grow();
        for (int band = 0; band < bands; band++) insert(keys, ids, bandKey(sig, band), id);
        size += bands;
    }

    /**
     * Ids of indexed documents sharing at least one band with {@code sig}, each once, at most {@code limit} of them
     * (a bound on work for pathological buckets). The returned array is reused by the next call.
     */
    public int[] candidates(int[] sig, int limit) {
        foundCount = 0;
        int mask = keys.length - 1;
        for (int band = 0; band < bands && foundCount < limit; band++) {
            int key = bandKey(sig, band);
            for (int i = slot(key, mask); keys[i] != 0; i = (i + 1) & mask) {
                if (keys[i] == key && !seen(ids[i])) {
                    if (foundCount == found.length) found = java.util.Arrays.copyOf(found, foundCount * 2);
                    found[foundCount++] = ids[i];
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

    private static int slot(int key, int mask) { return (int) Hashing.mix64(key) & mask; }

    private static void insert(int[] keys, int[] ids, int key, int id) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (keys[i] != 0) i = (i + 1) & mask;
        keys[i] = key;
        ids[i] = id;
    }

    private void grow() {
        int[] nk = new int[keys.length * 2], ni = new int[ids.length * 2];
        for (int i = 0; i < keys.length; i++) if (keys[i] != 0) insert(nk, ni, keys[i], ids[i]);
        keys = nk;
        ids = ni;
    }

    /** Bytes held by the table. */
    public long bytes() { return 8L * keys.length; }
}
