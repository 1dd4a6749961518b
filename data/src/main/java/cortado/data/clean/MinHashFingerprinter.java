package cortado.data.clean;

/** A document's shingles and MinHash signature under a {@link MinHashConfig}; one per thread (buffers are reused). */
public final class MinHashFingerprinter {
    private final MinHashConfig config;
    private final MinHasher hasher;
    private final Shingles shingles = new Shingles();

    public MinHashFingerprinter(MinHashConfig config) {
        this.config = config;
        this.hasher = new MinHasher(config.numPerm(), config.seed());
    }

    /** The signature, and the sorted shingle set when verification is exact; shingleCount 0 for a text without words. */
    public NearDuplicateDetector.Fingerprint fingerprint(String text) {
        int n = shingles.compute(text, config.shingleSize());
        int[] sig = hasher.signature(shingles.hashes(), n);
        long[] set = config.verification() == MinHashConfig.Verification.EXACT ? shingles.sortedSet() : null;
        return new NearDuplicateDetector.Fingerprint(sig, set, n);
    }
}
