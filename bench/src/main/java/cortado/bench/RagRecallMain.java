package cortado.bench;

import cortado.nn.embed.SentenceTransformer;
import cortado.serve.rag.ChunkUnit;
import cortado.serve.rag.HybridFusion;
import cortado.serve.rag.IndexSettings;
import cortado.serve.rag.Metric;
import cortado.serve.rag.RagIndex;
import cortado.serve.rag.RetrievalEval;
import cortado.serve.rag.Retriever;
import cortado.serve.rag.TextEmbedder;
import java.nio.file.Path;
import java.util.List;

/**
 * Recall@5 of dense, BM25 and hybrid retrieval on a document set with questions (RetrievalEval's format), with a
 * real embedding model, as RetrievalRecallTest computes it with the tests' random one (300-character chunks, overlap
 * 50, exact cosine search); then hybrid's recall at other fusion depths ({@link HybridFusion}).
 *
 * <pre>RagRecallMain DOCS_DIR QUESTIONS_JSON EMBED_MODEL_DIR</pre>
 */
public final class RagRecallMain {
    public static void main(String[] args) throws Exception {
        Path docs = Path.of(args[0]), questionsFile = Path.of(args[1]), model = Path.of(args[2]);
        TextEmbedder embedder = TextEmbedder.of(SentenceTransformer.load(model), 16);
        IndexSettings settings = new IndexSettings(model.toString(), ChunkUnit.CHARS, 300, 50, Metric.COSINE, null, false);
        RagIndex index = RagIndex.build(docs, RagIndex.DEFAULT_EXTENSIONS, settings, embedder, null).index();
        List<RetrievalEval.Question> questions = RetrievalEval.load(questionsFile);
        Retriever r = new Retriever(index, embedder);
        System.out.printf("%s: %d questions, %d chunks, recall@5: dense %.3f, bm25 %.3f, hybrid %.3f%n", model.getFileName(),
                questions.size(), index.chunks().size(), RetrievalEval.recallAtK(r, Retriever.Mode.DENSE, questions, 5),
                RetrievalEval.recallAtK(r, Retriever.Mode.BM25, questions, 5),
                RetrievalEval.recallAtK(r, Retriever.Mode.HYBRID, questions, 5));
        // The fusion's sensitivity, for the record: each ranking's top N fused (the default fuses the top k = 5).
        StringBuilder depths = new StringBuilder("hybrid recall@5 by fusion depth:");
        for (int depth : new int[] {5, 10, 20, 50})
            depths.append(String.format(" %d: %.3f", depth, RetrievalEval.recallAtK(r, Retriever.Mode.HYBRID,
                    new HybridFusion(depth, 1, 1), questions, 5)));
        System.out.println(depths);
    }
}
