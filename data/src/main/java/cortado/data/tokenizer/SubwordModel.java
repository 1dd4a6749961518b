package cortado.data.tokenizer;

/** The model stage of a tokenizer.json pipeline (HF's {@code Model}): one pre-tokenized piece to ids. */
public interface SubwordModel {
    void tokenize(String piece, IntList out);

    /** The vocabulary entry for {@code id}, or null. */
    String token(int id);

    /** The id of {@code token}, or -1. */
    int id(String token);

    /** One more than the largest id. */
    int size();
}
