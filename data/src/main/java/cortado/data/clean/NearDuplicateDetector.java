package cortado.data.clean;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Streaming near-duplicate detection with MinHash and LSH ({@link MinHashConfig}). Documents are fingerprinted one at
 * a time and checked against the documents indexed so far; verified matches name the earlier document and the
 * similarity. In a cleaning run only kept documents are indexed, so each removed document is a near duplicate of a
 * document that survives.
 *
 * <p>Heap per indexed document: its LSH entries (11 to 21 bytes per band) and an 8-byte offset; signatures (or, for
 * exact verification, shingle sets) live in a {@link SpillStore}.
 */
public final class NearDuplicateDetector implements Closeable {
    /** An earlier document {@code id} whose similarity to the queried one is at least the threshold. */
    public record Match(int id, double similarity) {}

    /** A document's MinHash signature, and its shingle set when verification is exact. */
    public record Fingerprint(int[] signature, long[] shingleSet, int shingleCount) {}

    private static final int CANDIDATE_LIMIT = 4096;

    private final MinHashConfig config;
    private final MinHasher hasher;
    private final LshIndex index;
    private final SpillStore store;
    private final Shingles shingles = new Shingles();
    private long candidatesChecked;
    private long candidatesVerified;

    public NearDuplicateDetector(MinHashConfig config, Path spillDir) {
        this(config, spillDir, 4 << 20);
    }

    /** @param bufferBytes heap buffer for signatures before they spill to a file in {@code spillDir} */
    public NearDuplicateDetector(MinHashConfig config, Path spillDir, int bufferBytes) {
        this.config = config;
        this.hasher = new MinHasher(config.numPerm(), config.seed());
        this.index = new LshIndex(config.bands(), config.rows());
        this.store = new SpillStore(spillDir, bufferBytes);
    }

    public MinHashConfig config() { return config; }

    public Fingerprint fingerprint(String text) {
        int n = shingles.compute(text, config.shingleSize());
        int[] sig = hasher.signature(shingles.hashes(), n);
        long[] set = config.verification() == MinHashConfig.Verification.EXACT ? shingles.sortedSet() : null;
        return new Fingerprint(sig, set, n);
    }

    /**
     * Verified matches of {@code fp} among the indexed documents: the first one found when {@code all} is false (enough
     * to remove a document), every one when true (to list pairs). Texts without words match nothing.
     */
    public List<Match> matches(Fingerprint fp, boolean all) {
        List<Match> out = new ArrayList<>(1);
        if (fp.shingleCount() == 0) return out;
        int[] cand = index.candidates(fp.signature(), CANDIDATE_LIMIT);
        int n = index.candidateCount();
        for (int c = 0; c < n; c++) {
            int id = cand[c];
            candidatesChecked++;
            double sim = config.verification() == MinHashConfig.Verification.EXACT
                    ? Shingles.jaccard(fp.shingleSet(), store.longs(id))
                    : MinHasher.estimate(fp.signature(), store.ints(id));
            if (sim >= config.threshold()) {
                candidatesVerified++;
                out.add(new Match(id, sim));
                if (!all) break;
            }
        }
        return out;
    }

    /** Indexes a document; returns its id (0, 1, 2, ... in the order added). Texts without words are not indexed. */
    public int add(Fingerprint fp) {
        int id = config.verification() == MinHashConfig.Verification.EXACT
                ? store.add(fp.shingleSet()) : store.add(fp.signature());
        if (fp.shingleCount() > 0) index.add(fp.signature(), id);
        return id;
    }

    /** The streaming step: the first verified match of {@code text}, or null after indexing it as a kept document. */
    public Match checkAndAdd(String text) {
        Fingerprint fp = fingerprint(text);
        List<Match> m = matches(fp, false);
        if (!m.isEmpty()) return m.getFirst();
        add(fp);
        return null;
    }

    /** Candidate pairs LSH proposed so far, and how many of them passed verification. */
    public long candidatesChecked() { return candidatesChecked; }

    public long candidatesVerified() { return candidatesVerified; }

    /** Heap held by the index and the store's buffer. */
    public long heapBytes() { return index.bytes() + store.heapBytes(); }

    @Override
    public void close() throws IOException { store.close(); }
}
