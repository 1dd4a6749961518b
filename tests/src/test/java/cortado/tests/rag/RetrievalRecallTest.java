package cortado.tests.rag;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.embed.SentenceTransformer;
import cortado.serve.rag.ChunkUnit;
import cortado.serve.rag.IndexSettings;
import cortado.serve.rag.Metric;
import cortado.serve.rag.RagIndex;
import cortado.serve.rag.RetrievalEval;
import cortado.serve.rag.Retriever;
import cortado.serve.rag.TextEmbedder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Recall@5 on the embedded document set (src/test/resources/rag: eight short documents, 24 questions written by
 * hand), for dense, BM25 and hybrid retrieval, printed separately. The dense encoder here is the tiny random BERT of
 * the sentence-transformers goldens (st_mean), whose rankings are close to chance: its figure and the hybrid one are
 * printed, not held to a bar; bench/compare/rag_recall.sh measures them with the real all-MiniLM-L6-v2. BM25 needs no
 * model, so its recall is held to what the questions' wording supports.
 */
class RetrievalRecallTest {
    static Path resource(String name) throws Exception {
        return Path.of(RetrievalRecallTest.class.getResource("/" + name).toURI());
    }

    @Test
    void recallAtFiveForDenseBm25AndHybrid() throws Exception {
        Path model = resource("golden/st_mean");
        TextEmbedder embedder = TextEmbedder.of(SentenceTransformer.load(model), 16);
        IndexSettings settings = new IndexSettings(model.toString(), ChunkUnit.CHARS, 300, 50, Metric.COSINE, null, false);
        RagIndex index = RagIndex.build(resource("rag/docs"), RagIndex.DEFAULT_EXTENSIONS, settings, embedder, null).index();
        List<RetrievalEval.Question> questions = RetrievalEval.load(resource("rag/questions.json"));
        assertThat(RetrievalEval.unanswerable(index, questions)).as("every answer lies inside one chunk").isEmpty();
        Retriever retriever = new Retriever(index, embedder);
        double dense = RetrievalEval.recallAtK(retriever, Retriever.Mode.DENSE, questions, 5);
        double bm25 = RetrievalEval.recallAtK(retriever, Retriever.Mode.BM25, questions, 5);
        double hybrid = RetrievalEval.recallAtK(retriever, Retriever.Mode.HYBRID, questions, 5);
        System.out.printf("recall@5 on %d questions, %d chunks (random tiny encoder): dense %.3f, bm25 %.3f, hybrid %.3f%n",
                questions.size(), index.chunks().size(), dense, bm25, hybrid);
        assertThat(bm25).isGreaterThanOrEqualTo(0.8);
    }
}
