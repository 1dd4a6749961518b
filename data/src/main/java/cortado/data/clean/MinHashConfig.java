package cortado.data.clean;

/**
 * Settings of MinHash near-duplicate detection (Broder 1997; LSH banding as in Leskovec, Rajaraman and Ullman,
 * <i>Mining of Massive Datasets</i>, ch. 3).
 *
 * <p>Two documents whose shingle sets have Jaccard similarity s share at least one band of {@code rows} minhashes with
 * probability 1 - (1 - s^rows)^bands; every pair that does is a candidate and is then verified against
 * {@code threshold}, by the fraction of equal minhashes ({@link Verification#ESTIMATED}, standard error
 * sqrt(s(1-s)/numPerm)) or by the exact Jaccard similarity of the hashed shingle sets ({@link Verification#EXACT}).
 *
 * @param shingleSize words per shingle (word n-grams over lower-cased letter/digit runs)
 * @param numPerm     number of hash functions in a signature
 * @param bands       LSH bands; {@code bands * rows <= numPerm}
 * @param rows        minhashes per band
 * @param threshold   Jaccard similarity at or above which a document is a near duplicate
 * @param verification how candidate pairs are confirmed
 * @param seed        seeds the hash functions
 */
public record MinHashConfig(int shingleSize, int numPerm, int bands, int rows, double threshold,
                            Verification verification, long seed) implements java.io.Serializable {

    public enum Verification { ESTIMATED, EXACT }

    public MinHashConfig {
        if (shingleSize < 1) throw new IllegalArgumentException("shingle size must be >= 1, got " + shingleSize);
        if (numPerm < 1) throw new IllegalArgumentException("number of permutations must be >= 1, got " + numPerm);
        if (bands < 1 || rows < 1 || (long) bands * rows > numPerm)
            throw new IllegalArgumentException("need bands x rows <= permutations, got " + bands + " x " + rows
                    + " > " + numPerm);
        if (!(threshold > 0 && threshold <= 1))
            throw new IllegalArgumentException("Jaccard threshold must be in (0, 1], got " + threshold);
    }

    /** Defaults: 5-word shingles, 128 permutations, banding chosen for {@code threshold}, estimated verification. */
    public static MinHashConfig forThreshold(double threshold) {
        return forThreshold(threshold, 5, 128, Verification.ESTIMATED);
    }

    /**
     * Picks the banding for a threshold: the most rows per band (fewest spurious candidates) such that a pair exactly
     * at the threshold still becomes a candidate with probability at least 0.99, so LSH loses almost no true pairs.
     */
    public static MinHashConfig forThreshold(double threshold, int shingleSize, int numPerm, Verification v) {
        int bestRows = 1;
        for (int r = 1; r <= numPerm; r++) {
            int b = numPerm / r;
            if (candidateProbability(threshold, b, r) >= 0.99) bestRows = r;
        }
        return new MinHashConfig(shingleSize, numPerm, numPerm / bestRows, bestRows, threshold, v, 0x6d696e68L);
    }

    /** 1 - (1 - s^r)^b: the chance that a pair with Jaccard similarity s shares a band. */
    public static double candidateProbability(double s, int bands, int rows) {
        return 1 - Math.pow(1 - Math.pow(s, rows), bands);
    }
}
