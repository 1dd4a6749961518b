package cortado.data.clean;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Must-show 4: planted near duplicates at known Jaccard similarities are found with precision and recall >= 0.95.
 * The corpus size can be raised for a longer run: {@code -Dcortado.neardup.bases=20000}.
 */
class NearDuplicateDetectorTest {
    private static final double[] LEVELS = {0.3, 0.5, 0.65, 0.75, 0.85, 0.9, 0.95, 1.0};
    private static final double THRESHOLD = 0.8;
    private static final int BASES = Integer.getInteger("cortado.neardup.bases", 1000);

    @TempDir Path dir;

    record Score(int truth, int reported, int truePositives, double precision, double recall) {}

    /** All pairs the detector reports when every document is indexed, scored against exact Jaccard. */
    static Score score(PlantedNearDuplicates corpus, MinHashConfig cfg, Path spill, boolean completeTruth)
            throws IOException {
        Map<Long, Double> truth = new HashMap<>();
        if (completeTruth) {
            truth.putAll(corpus.truePairs(cfg.threshold(), cfg.shingleSize()));
        } else {
            for (var p : corpus.planted) if (p.jaccard() >= cfg.threshold()) truth.put(PlantedNearDuplicates.key(p.first(), p.second()), p.jaccard());
        }
        Map<Long, Double> reported = new HashMap<>();
        Shingles sh = new Shingles();
        int tp = 0;
        try (NearDuplicateDetector det = new NearDuplicateDetector(cfg, spill)) {
            for (int d = 0; d < corpus.docs.size(); d++) {
                var fp = det.fingerprint(corpus.docs.get(d));
                for (var m : det.matches(fp, true)) reported.put(PlantedNearDuplicates.key(m.id(), d), m.similarity());
                assertThat(det.add(fp)).isEqualTo(d);
            }
        }
        for (long k : reported.keySet()) {
            if (truth.containsKey(k)) { tp++; continue; }
            if (!completeTruth) {
                // Not planted: measure it, so a true pair the generator did not plant is not called a false positive.
                sh.compute(corpus.docs.get((int) (k >>> 32)), cfg.shingleSize());
                long[] a = sh.sortedSet();
                sh.compute(corpus.docs.get((int) k), cfg.shingleSize());
                if (Shingles.jaccard(a, sh.sortedSet()) >= cfg.threshold()) tp++;
            }
        }
        return new Score(truth.size(), reported.size(), tp,
                reported.isEmpty() ? 1 : (double) tp / reported.size(), truth.isEmpty() ? 1 : (double) tp / truth.size());
    }

    @Test
    void plantedPairsSpanTheLevelsWithExactlyKnownSimilarities() {
        var corpus = new PlantedNearDuplicates(80, 1.0, LEVELS, 5, 7);
        assertThat(corpus.planted).hasSize(80);
        for (int i = 0; i < corpus.planted.size(); i++) {
            double level = LEVELS[i % LEVELS.length];
            // the generator lands each planted pair at most 1.5 points below its level
            assertThat(corpus.planted.get(i).jaccard()).isLessThanOrEqualTo(level).isGreaterThanOrEqualTo(level - 0.015);
        }
    }

    @Test
    void estimatedVerificationFindsPlantedNearDuplicatesWithPrecisionAndRecallAbove95Percent() throws IOException {
        var corpus = new PlantedNearDuplicates(BASES, 0.5, LEVELS, 5, 42);
        MinHashConfig cfg = MinHashConfig.forThreshold(THRESHOLD);
        assertThat(cfg.bands() * cfg.rows()).isLessThanOrEqualTo(128);
        Score s = score(corpus, cfg, dir, BASES <= 5000);
        System.out.printf("near-dup (estimated, %d perms, %dx%d): docs=%d truth=%d reported=%d tp=%d precision=%.4f recall=%.4f%n",
                cfg.numPerm(), cfg.bands(), cfg.rows(), corpus.docs.size(), s.truth(), s.reported(), s.truePositives(),
                s.precision(), s.recall());
        assertThat(s.truth()).isGreaterThan(BASES / 5);
        assertThat(s.precision()).isGreaterThanOrEqualTo(0.95);
        assertThat(s.recall()).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void exactVerificationIsExactUpToLshMisses() throws IOException {
        var corpus = new PlantedNearDuplicates(Math.min(BASES, 1000), 0.5, LEVELS, 5, 43);
        MinHashConfig cfg = MinHashConfig.forThreshold(THRESHOLD, 5, 128, MinHashConfig.Verification.EXACT);
        Score s = score(corpus, cfg, dir, true);
        System.out.printf("near-dup (exact): truth=%d reported=%d precision=%.4f recall=%.4f%n",
                s.truth(), s.reported(), s.precision(), s.recall());
        assertThat(s.precision()).isEqualTo(1.0);
        assertThat(s.recall()).isGreaterThanOrEqualTo(0.98);
    }

    @Test
    void signaturesSpilledToDiskGiveTheSameAnswers() throws IOException {
        var corpus = new PlantedNearDuplicates(200, 0.5, LEVELS, 5, 44);
        MinHashConfig cfg = MinHashConfig.forThreshold(THRESHOLD);
        // A 1 KiB buffer forces nearly every signature (512 bytes) onto disk.
        Map<Long, Double> inMemory = new HashMap<>(), spilled = new HashMap<>();
        for (var pass : List.of(Map.entry(1 << 24, inMemory), Map.entry(1024, spilled))) {
            try (NearDuplicateDetector det = new NearDuplicateDetector(cfg, dir, pass.getKey())) {
                for (int d = 0; d < corpus.docs.size(); d++) {
                    var fp = det.fingerprint(corpus.docs.get(d));
                    for (var m : det.matches(fp, true)) pass.getValue().put(PlantedNearDuplicates.key(m.id(), d), m.similarity());
                    det.add(fp);
                }
            }
        }
        assertThat(spilled).isNotEmpty().isEqualTo(inMemory);
    }

    @Test
    void componentRemovalKeepsOneDocumentPerNearDuplicatePair() throws IOException {
        var corpus = new PlantedNearDuplicates(200, 0.5, new double[] {0.9, 0.95, 1.0}, 5, 45);
        CleaningConfig cfg = CleaningConfig.none().withNearDup(
                MinHashConfig.forThreshold(THRESHOLD, 5, 128, MinHashConfig.Verification.EXACT));
        int kept = 0;
        try (Cleaner c = new Cleaner(cfg, dir)) {
            for (String d : corpus.docs) if (c.clean(d) != null) kept++;
            kept -= c.nearDuplicates().cardinality();
            assertThat(c.report().removed()).containsOnlyKeys("near_duplicate");
            assertThat(c.report().removed().get("near_duplicate")).isEqualTo(corpus.planted.size());
        }
        assertThat(kept).isEqualTo(200);
    }

    @Test
    void bandingPutsPairsAtTheThresholdIntoCandidatesWith99PercentProbability() {
        for (double t : new double[] {0.5, 0.7, 0.8, 0.9}) {
            MinHashConfig c = MinHashConfig.forThreshold(t);
            assertThat(MinHashConfig.candidateProbability(t, c.bands(), c.rows())).isGreaterThanOrEqualTo(0.99);
            // and one more row per band would drop below it: the choice is the most selective that qualifies
            int r = c.rows() + 1;
            assertThat(MinHashConfig.candidateProbability(t, 128 / r, r)).isLessThan(0.99);
        }
        assertThat(MinHashConfig.forThreshold(0.8)).extracting(MinHashConfig::bands, MinHashConfig::rows).containsExactly(21, 6);
    }
}
