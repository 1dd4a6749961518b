package cortado.nn.models;

import java.util.List;
import java.util.Map;

/** What every model family's config tells the rest of Cortado; the fields themselves follow Hugging Face. */
public interface ModelConfig {
    /** Hugging Face's {@code model_type}: "gpt2", "llama". */
    String modelType();

    int vocabSize();

    /** Longest sequence the model accepts (GPT-2's n_positions, Llama's max_position_embeddings). */
    int maxPositions();

    /** The fields of a Hugging Face {@code config.json} that describe this model. */
    Map<String, Object> toHfJson();

    /** Ids that end a generation (config.json's eos_token_id); empty when the config names none. */
    default List<Integer> eosTokenIds() { return List.of(); }
}
