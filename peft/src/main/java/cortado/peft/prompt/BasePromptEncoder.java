package cortado.peft.prompt;

import cortado.autograd.NoGrad;
import cortado.nn.Embedding;
import cortado.nn.Module;
import cortado.tensor.Tensor;
import java.util.Collections;
import java.util.List;

/**
 * peft's {@code BasePromptEncoder}: a module with an {@code embedding} of the virtual tokens whose {@link #output} is
 * what goes into the model: input embeddings {@code [P, token_dim]} (prompt tuning, P-tuning) or every layer's keys
 * and values {@code [P, num_layers * 2 * token_dim]} (prefix tuning). Parameter names are torch's, under
 * {@code prompt_encoder.<adapter>.}, as peft's {@code PeftModel} names them.
 */
public abstract class BasePromptEncoder extends Module {
    /** The virtual tokens' table, peft's {@code embedding}. */
    protected final Embedding embedding;

    protected BasePromptEncoder(int tokens, int width) { embedding = child("embedding", new Embedding(tokens, width)); }

    /**
     * What the prompt is for every row, {@code [P, width]}, through autograd (gradients reach the encoder);
     * multitask prompt tuning's is its shared table, which {@link #rowOutputs} scales per row's task.
     */
    public abstract Tensor output();

    /**
     * The prompt of each of {@code batch} rows, {@code [P, width]} each, through autograd: {@link #output} for every
     * row, except where the prompt depends on the row's task ({@code taskIds}, one per row; null when none was given).
     */
    public List<Tensor> rowOutputs(int[] taskIds, int batch) { return Collections.nCopies(batch, output()); }

    /** The virtual tokens P. */
    public final int tokens() { return embedding.weight().shape()[0]; }

    /** peft's {@code get_prompt_embedding_to_save}: the output, without a graph (what {@code prompt_embeddings} holds). */
    public final Tensor saved() {
        try (NoGrad g = NoGrad.enter()) {
            return output().detach();
        }
    }

    /** A child module for subclasses' heads (torch's {@code nn.Sequential} indices as names). */
    protected static final class Sequential extends Module {
        public Sequential() {}

        public <M extends Module> M add(String index, M m) { return child(index, m); }
    }

    /** The table itself, for an adapter read from a file (peft's inference-mode encoder). */
    public static final class Table extends BasePromptEncoder {
        public Table(int tokens, int width) { super(tokens, width); }

        @Override public Tensor output() { return embedding.weight().value(); }
    }
}
