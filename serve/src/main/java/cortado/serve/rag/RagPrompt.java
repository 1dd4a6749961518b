package cortado.serve.rag;

import java.util.List;

/**
 * The prompt a model answers from: an instruction to answer from the numbered context only and cite it, then each
 * chunk under its id in brackets ({@code [notes.md#2]}), then the question.
 */
public final class RagPrompt {
    public static final String INSTRUCTION = "Answer the question using only the context below. Cite the chunks you"
            + " use by their ids in square brackets, e.g. [notes.md#2]. If the context does not contain the answer, say"
            + " that you do not know.";

    private RagPrompt() {}

    /** The context and question, as one user message (or the body of a plain prompt after the instruction). */
    public static String context(String question, List<Retriever.Result> results) {
        StringBuilder b = new StringBuilder("Context:\n\n");
        for (Retriever.Result r : results)
            b.append('[').append(r.chunk().id()).append("]\n").append(r.chunk().text().strip()).append("\n\n");
        return b.append("Question: ").append(question.strip()).toString();
    }

    /** The whole prompt for a model without a chat template. */
    public static String plain(String question, List<Retriever.Result> results) {
        return INSTRUCTION + "\n\n" + context(question, results) + "\nAnswer:";
    }
}
