package cortado.nn.embed;

import cortado.tensor.Tensor;

/** A sentence-transformers module that runs after pooling, on the sentence embeddings {@code [B, C]}: Dense, Normalize. */
public sealed interface EmbeddingStep permits Dense, Normalize {
    Tensor apply(Tensor embeddings);
}
