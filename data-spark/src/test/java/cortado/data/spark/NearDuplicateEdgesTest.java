package cortado.data.spark;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.clean.MinHashConfig;
import cortado.data.clean.MinHashFingerprinter;
import cortado.data.clean.NearDuplicateComponents;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/** The Spark side's bucket and component rules against the in-process NearDuplicateComponents, without a cluster. */
class NearDuplicateEdgesTest {
    @TempDir Path dir;

    @Test
    void aChainIsOneComponentKeepingItsLowestId() {
        var edges = List.of(new Tuple2<>(7L, 9L), new Tuple2<>(3L, 7L), new Tuple2<>(20L, 21L), new Tuple2<>(9L, 12L));
        assertThat(NearDuplicateEdges.components(edges)).isEqualTo(Set.of(7L, 9L, 12L, 21L));
    }

    @Test
    void aHugeBucketYieldsTheSameCandidatePairsAsInProcess() throws IOException {
        // 40 identical texts: every band is one bucket of 40; each member meets at most the 32 lowest ids.
        MinHashConfig c = MinHashConfig.forThreshold(0.8);
        String text = "the quick brown fox jumps over the lazy dog and runs far away";
        int n = 40, limit = NearDuplicateComponents.BUCKET_PAIR_LIMIT;
        var fp = new MinHashFingerprinter(c).fingerprint(text);
        List<NearDuplicateEdges.Member> bucket = new ArrayList<>();
        for (int i = n - 1; i >= 0; i--) bucket.add(new NearDuplicateEdges.Member(100L * i, fp.signature(), null));
        List<Tuple2<Tuple2<Long, Long>, Boolean>> pairs = new ArrayList<>();
        NearDuplicateEdges.pairs(bucket, c).forEachRemaining(pairs::add);
        long expected = (long) limit * (n - 1) - (long) limit * (limit - 1) / 2;
        assertThat(pairs).hasSize((int) expected).allMatch(Tuple2::_2).allMatch(p -> p._1()._1() < p._1()._2());
        assertThat(pairs).noneMatch(p -> p._1()._1() >= 100L * limit);

        try (NearDuplicateComponents in = new NearDuplicateComponents(c, dir)) {
            for (int i = 0; i < n; i++) in.add(text);
            assertThat(in.removed().cardinality()).isEqualTo(n - 1);
            assertThat(in.candidatePairs()).isEqualTo(expected);
        }
    }
}
