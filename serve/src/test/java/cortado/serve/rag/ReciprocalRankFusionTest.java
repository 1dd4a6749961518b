package cortado.serve.rag;

import static org.assertj.core.api.Assertions.assertThat;
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
    void tiesGoToTheLowerId() {
        assertThat(ReciprocalRankFusion.fuse(List.of(ranking(8, 1), ranking(1, 8)))).extracting(SearchHit::id)
                .containsExactly(1, 8);
        assertThat(ReciprocalRankFusion.fuse(List.of())).isEmpty();
    }
}
