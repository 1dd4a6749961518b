package cortado.serve.rag;

import cortado.data.tokenizer.Tokenizer;
import java.util.List;

/** What indexing and retrieval need of an embedding model: vectors for texts, and its tokenizer for token chunking. */
public interface TextEmbedder {
    float[][] embed(List<String> texts);

    /** The model's tokenizer (token-unit chunks count its tokens). */
    Tokenizer tokenizer();

    /** A sentence-transformers model, embedding in batches of {@code batch}. */
    static TextEmbedder of(cortado.nn.embed.SentenceTransformer model, int batch) {
        return new TextEmbedder() {
            @Override public float[][] embed(List<String> texts) { return model.encode(texts, batch); }

            @Override public Tokenizer tokenizer() { return model.tokenizer(); }
        };
    }
}
