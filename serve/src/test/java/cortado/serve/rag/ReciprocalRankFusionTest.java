package cortado.serve.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReciprocalRankFusionTest {
    private static List<SearchHit> ranking(int... ids) {
        return java.util.Arrays.stream(ids).mapToObj(id -> new SearchHit(id, 0)).toList();
    }

    @Test
    void sumsOneOverSixtyPlusRank() {
        // dense: 7, 3, 9; bm25: 3, 5. 3: 1/62 + 1/61; 7: 1/61; 5: 1/62; 9: 1/63
        List<SearchHit> fused = ReciprocalRankFusion.fuse(List.of(ranking(7, 3, 9), ranking(3, 5)));
        assertThat(fused).extracting(SearchHit::id).containsExactly(3, 7, 5, 9);
        assertThat(fused.get(0).score()).isCloseTo((float) (1.0 / 62 + 1.0 / 61), within(1e-7f));
        assertThat(fused.get(1).score()).isCloseTo((float) (1.0 / 61), within(1e-7f));
        assertThat(fused.get(3).score()).isCloseTo((float) (1.0 / 63), within(1e-7f));
    }

    @Test
    void weightsScaleEachRankingsVotes() {
        // dense weight 1: 7 1/61, 3 1/62; bm25 weight 2: 3 2/61, 5 2/62. 3: 1/62 + 2/61; 5: 2/62; 7: 1/61
        List<SearchHit> fused = ReciprocalRankFusion.fuse(List.of(ranking(7, 3), ranking(3, 5)), new double[] {1, 2}, 60);
        assertThat(fused).extracting(SearchHit::id).containsExactly(3, 5, 7);
        assertThat(fused.get(0).score()).isCloseTo((float) (1.0 / 62 + 2.0 / 61), within(1e-7f));
        assertThat(fused.get(1).score()).isCloseTo((float) (2.0 / 62), within(1e-7f));
        assertThatThrownBy(() -> ReciprocalRankFusion.fuse(List.of(ranking(1)), new double[] {1, 1}, 60))
                .hasMessageContaining("2 weights for 1 rankings");
    }

    @Test
    void tiesGoToTheLowerId() {
        assertThat(ReciprocalRankFusion.fuse(List.of(ranking(8, 1), ranking(1, 8)))).extracting(SearchHit::id)
                .containsExactly(1, 8);
        assertThat(ReciprocalRankFusion.fuse(List.of())).isEmpty();
    }
}
