package cortado.data.clean;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NearDuplicateComponentsTest {
    @TempDir Path dir;

    /** Words w{from}..w{to-1}: with 1-word shingles, Jaccard is the overlap of the ranges. */
    static String words(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
    }

    // A~B (8/12), B~C (8/12), A and C below the threshold (6/14): one component through B.
    static final String A = words(0, 10), B = words(2, 12), C = words(4, 14), D = words(100, 110);
    static final MinHashConfig CONFIG = MinHashConfig.forThreshold(0.5, 1, 128, MinHashConfig.Verification.EXACT);

    BitSet removed(List<String> docs) throws IOException {
        try (NearDuplicateComponents c = new NearDuplicateComponents(CONFIG, dir)) {
            for (String d : docs) c.add(d);
            return c.removed();
        }
    }

    @Test
    void aChainIsOneComponentThatKeepsItsLowestId() throws IOException {
        assertThat(Shingles.jaccard(set(A), set(C))).isLessThan(0.5);
        // A streaming check against kept documents would keep C (it matches only the removed B).
        assertThat(removed(List.of(A, B, C, D))).isEqualTo(BitSet.valueOf(new long[] {0b0110}));
        // Reversed: C has the lowest id now, and is the one kept.
        assertThat(removed(List.of(C, B, A, D))).isEqualTo(BitSet.valueOf(new long[] {0b0110}));
        // The bridge comes last: it still joins A and C, which came first.
        assertThat(removed(List.of(A, C, D, B))).isEqualTo(BitSet.valueOf(new long[] {0b1010}));
    }

    @Test
    void textsWithoutWordsAreNeverNearDuplicates() throws IOException {
        assertThat(removed(List.of("...", "...", A, A))).isEqualTo(BitSet.valueOf(new long[] {0b1000}));
    }

    private static long[] set(String text) {
        Shingles s = new Shingles();
        s.compute(text, 1);
        return s.sortedSet();
    }
}
