package cortado.serve.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hybrid retrieval's fusion depth and weights on four one-chunk files, worked out by hand. Dense (a fixed embedding
 * per text, cosine against the question's (1, 0)) ranks the chunks 0, 1, 2, 3; BM25 for "red fox" ranks 2
 * ("red fox red fox"), 3 ("red fox"), 1 ("red") and leaves out 0 ("blue").
 */
class RetrieverFusionTest {
    @TempDir Path dir;

    private Retriever retriever() throws Exception {
        Map<String, float[]> vectors = Map.of("blue", new float[] {1, 0}, "red", new float[] {0.9f, 0.436f},
                "red fox red fox", new float[] {0.5f, 0.866f}, "red fox", new float[] {0, 1}, "red fox?", new float[] {1, 0});
        TextEmbedder embedder = new TextEmbedder() {
            @Override public float[][] embed(List<String> texts) {
                return texts.stream().map(t -> vectors.get(t.strip())).toArray(float[][]::new);
            }

            @Override public cortado.data.tokenizer.Tokenizer tokenizer() { return null; }   // character chunks only
        };
        Files.writeString(dir.resolve("a.txt"), "blue");
        Files.writeString(dir.resolve("b.txt"), "red");
        Files.writeString(dir.resolve("c.txt"), "red fox red fox");
        Files.writeString(dir.resolve("d.txt"), "red fox");
        IndexSettings settings = new IndexSettings("test", ChunkUnit.CHARS, 300, 0, Metric.COSINE, null, false);
        return new Retriever(RagIndex.build(dir, RagIndex.DEFAULT_EXTENSIONS, settings, embedder, null).index(), embedder);
    }

    private static List<Integer> ids(List<Retriever.Result> results) { return results.stream().map(Retriever.Result::id).toList(); }

    @Test
    void fusesEachRankingsTopKByDefault() throws Exception {
        Retriever r = retriever();
        assertThat(ids(r.retrieve("red fox?", Retriever.Mode.DENSE, 4))).containsExactly(0, 1, 2, 3);
        assertThat(ids(r.retrieve("red fox?", Retriever.Mode.BM25, 4))).containsExactly(2, 3, 1);
        // Top 2 of each: 0 and 1 (dense), 2 and 3 (BM25); 0 and 2 at 1/61 lead, the tie to the lower id.
        assertThat(ids(r.retrieve("red fox?", Retriever.Mode.HYBRID, 2))).containsExactly(0, 2);
        // Fusing all four: 2 (1/63 + 1/61) and 1 (1/62 + 1/63) outvote dense's best, 0 (1/61 alone).
        assertThat(ids(r.retrieve("red fox?", Retriever.Mode.HYBRID, 2, new HybridFusion(4, 1, 1)))).containsExactly(2, 1);
    }

    @Test
    void weightsScaleEachRankingsVotes() throws Exception {
        Retriever r = retriever();
        // BM25 at half weight: 0 (1/61), 1 (1/62), then 2 (0.5/61).
        assertThat(ids(r.retrieve("red fox?", Retriever.Mode.HYBRID, 2, new HybridFusion(0, 1, 0.5)))).containsExactly(0, 1);
        assertThat(ids(r.retrieve("red fox?", Retriever.Mode.HYBRID, 2, new HybridFusion(0, 0.5, 1)))).containsExactly(2, 3);
    }

    @Test
    void refusesBadSettings() {
        assertThat(new HybridFusion(0, 1, 1).depthFor(5)).isEqualTo(5);
        assertThat(new HybridFusion(50, 1, 1).depthFor(5)).isEqualTo(50);
        assertThat(new HybridFusion(3, 1, 1).depthFor(5)).as("never below k").isEqualTo(5);
        assertThatThrownBy(() -> new HybridFusion(-1, 1, 1)).hasMessageContaining("depth");
        assertThatThrownBy(() -> new HybridFusion(0, -1, 1)).hasMessageContaining("weights");
        assertThatThrownBy(() -> new HybridFusion(0, Double.NaN, 1)).hasMessageContaining("weights");
        assertThatThrownBy(() -> new HybridFusion(0, 0, 0)).hasMessageContaining("both be 0");
    }
}
