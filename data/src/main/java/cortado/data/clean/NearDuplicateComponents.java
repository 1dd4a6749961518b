package cortado.data.clean;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Near-duplicate decisions as connected components, the rule {@code prepare} and the Spark job share. Documents are
 * nodes with ids in reading order. Two documents are joined when they fall into one LSH bucket (the same band and
 * the same {@link LshIndex#bandKey band key}) and their similarity passes verification ({@link #similar}). In each
 * connected component the document with the lowest id is kept and every other one is a near duplicate.
 *
 * <p>The decision depends only on the ids and the texts, not on the order documents arrive in, so a distributed job
 * decides exactly as one process does (a streaming check against the documents kept so far does not: with A~B and
 * B~C but not A~C it keeps C, while the component {A, B, C} keeps only A).
 *
 * <p>Within one bucket, its members sorted by id m_0 &lt; m_1 &lt; ..., the pairs (m_i, m_j) with i &lt; j and
 * i &lt; {@value #BUCKET_PAIR_LIMIT} are candidates: a bound on the work of huge buckets (boilerplate pages) that still
 * offers every member the bucket's lowest ids. A pair is counted and verified once however many buckets it shares.
 *
 * <p>This in-process form keeps the band keys (4 bytes per band per document) and the distinct candidate pairs on the
 * heap (about 32 bytes a pair) and the signatures (or shingle sets) in a {@link SpillStore}; {@link #removed} sorts one band at a time.
 */
public final class NearDuplicateComponents implements Closeable {
    /** Candidate pairs per bucket member: it is compared with at most this many lower-id members. */
    public static final int BUCKET_PAIR_LIMIT = 32;

    private final MinHashConfig config;
    private final MinHashFingerprinter fingerprinter;
    private final SpillStore store;
    private final int[][] keys; // keys[band][id]; 0 for a document without words (never a candidate)
    private int count;
    private BitSet removed;
    private long candidatePairs;

    public NearDuplicateComponents(MinHashConfig config, Path spillDir) {
        this.config = config;
        this.fingerprinter = new MinHashFingerprinter(config);
        this.store = new SpillStore(spillDir, 4 << 20);
        this.keys = new int[config.bands()][1024];
    }

    /** Fingerprints and indexes the next document; returns its id (0, 1, 2, ... in the order added). */
    public int add(String text) {
        if (removed != null) throw new IllegalStateException("components already computed");
        NearDuplicateDetector.Fingerprint fp = fingerprinter.fingerprint(text);
        int id = config.verification() == MinHashConfig.Verification.EXACT
                ? store.add(fp.shingleSet()) : store.add(fp.signature());
        if (count == keys[0].length)
            for (int b = 0; b < keys.length; b++) keys[b] = Arrays.copyOf(keys[b], count * 2);
        for (int b = 0; b < keys.length; b++)
            keys[b][count] = fp.shingleCount() == 0 ? 0 : LshIndex.bandKey(fp.signature(), b, config.rows());
        return count++;
    }

    /** The ids that are near duplicates (not the lowest id of their component); computed once, after every add. */
    public BitSet removed() {
        if (removed != null) return removed;
        int[] parent = new int[count];
        for (int i = 0; i < count; i++) parent[i] = i;
        LongHashSet seen = new LongHashSet(1024);
        long[] bucket = new long[count];
        int[] members = new int[16];
        for (int[] band : keys) {
            int n = 0;
            for (int id = 0; id < count; id++) if (band[id] != 0) bucket[n++] = ((long) band[id] << 32) | id;
            Arrays.sort(bucket, 0, n);
            for (int from = 0; from < n; ) {
                int to = from + 1;
                while (to < n && (bucket[to] >>> 32) == (bucket[from] >>> 32)) to++;
                if (to - from > members.length) members = new int[Math.max(to - from, 2 * members.length)];
                for (int k = from; k < to; k++) members[k - from] = (int) bucket[k];
                int m = to - from;
                for (int i = 0; i < Math.min(m - 1, BUCKET_PAIR_LIMIT); i++)
                    for (int j = i + 1; j < m; j++) {
                        int a = members[i], b = members[j];
                        if (!seen.add(((long) a << 32) | b)) continue;
                        candidatePairs++;
                        if (verified(a, b)) union(parent, a, b);
                    }
                from = to;
            }
        }
        removed = new BitSet(count);
        for (int i = 0; i < count; i++) if (find(parent, i) != i) removed.set(i);
        return removed;
    }

    private boolean verified(int a, int b) {
        return config.verification() == MinHashConfig.Verification.EXACT
                ? similar(config, null, store.longs(a), null, store.longs(b))
                : similar(config, store.ints(a), null, store.ints(b), null);
    }

    /**
     * Whether a candidate pair is near-duplicate: estimated Jaccard from the signatures, or exact Jaccard of the
     * sorted shingle sets, at or above the threshold.
     */
    public static boolean similar(MinHashConfig c, int[] sigA, long[] setA, int[] sigB, long[] setB) {
        double s = c.verification() == MinHashConfig.Verification.EXACT
                ? Shingles.jaccard(setA, setB) : MinHasher.estimate(sigA, sigB);
        return s >= c.threshold();
    }

    /** Joins the components of a and b under the lower root, so every root is its component's lowest id. */
    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a), rb = find(parent, b);
        if (ra < rb) parent[rb] = ra;
        else if (rb < ra) parent[ra] = rb;
    }

    private static int find(int[] parent, int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    /** Documents added. */
    public int size() { return count; }

    /** Distinct candidate pairs verified (valid after {@link #removed}). */
    public long candidatePairs() { return candidatePairs; }

    @Override
    public void close() throws IOException { store.close(); }
}
