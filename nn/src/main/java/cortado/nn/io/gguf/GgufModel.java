package cortado.nn.io.gguf;

import cortado.nn.models.CausalLm;
import java.util.Map;

/** A model read from a GGUF file, with the file's metadata (the tokenizer's {@code tokenizer.ggml.*} among it). */
public record GgufModel(CausalLm model, Map<String, Object> metadata) {}
