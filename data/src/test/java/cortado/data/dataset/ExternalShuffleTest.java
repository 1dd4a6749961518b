package cortado.data.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalShuffleTest {
    @TempDir Path dir;

    private List<Integer> run(long seed, int buckets, int width, long maxBucketBytes) throws IOException {
        List<Integer> order = new ArrayList<>();
        try (ExternalShuffle s = new ExternalShuffle(dir, "x", buckets, width, maxBucketBytes, seed)) {
            for (int d = 0; d < 2000; d++) {
                int[] doc = new int[1 + d % 7];
                doc[0] = d;
                for (int i = 1; i < doc.length; i++) doc[i] = width == 4 ? 100_000 + i : 60_000 + i;
                s.add(doc);
            }
            s.drain(ids -> {
                for (int i = 1; i < ids.length; i++) assertThat(ids[i]).isEqualTo((width == 4 ? 100_000 : 60_000) + i);
                assertThat(ids).hasSize(1 + ids[0] % 7);
                order.add(ids[0]);
            }, () -> {});
        }
        try (Stream<Path> left = Files.list(dir)) { assertThat(left).isEmpty(); }
        return order;
    }

    @Test
    void emitsEveryDocumentOnceInASeededOrder() throws IOException {
        List<Integer> a = run(7, 8, 2, 1 << 20);
        assertThat(a).hasSize(2000).doesNotHaveDuplicates();
        assertThat(run(7, 8, 2, 1 << 20)).isEqualTo(a);
        assertThat(run(8, 8, 2, 1 << 20)).isNotEqualTo(a);
        assertThat(run(7, 3, 4, 1 << 20)).hasSize(2000).doesNotHaveDuplicates();
        // Well mixed: documents from the first tenth of the input spread over the whole output.
        int early = 0;
        for (int i = 1800; i < 2000; i++) if (a.get(i) < 200) early++;
        assertThat(early).isBetween(8, 40);
    }

    @Test
    void oversizedBucketsAreShuffledInSegmentsWithoutLosingDocuments() throws IOException {
        List<Integer> a = run(7, 1, 2, 1000);
        assertThat(a).hasSize(2000).doesNotHaveDuplicates();
    }
}
