package cortado.peft.prompt;

import cortado.peft.ConfigFields;
import cortado.peft.PeftException;
import java.util.List;
import java.util.Map;

/**
 * The fields every prompt-learning config has, peft 0.21's {@code PromptLearningConfig} and {@code PeftConfig}: the
 * number of virtual tokens and the base's sizes it was made for (null until {@link #resolve} fills them from the base's
 * config, as peft's {@code _prepare_prompt_learning_config}), and {@code inference_mode}, which decides the shape of the
 * encoder: a file peft saved holds only the encoder's output ({@code prompt_embeddings}), so an adapter read from a
 * file is that table, and only a new one has the MLP, LSTM or projection its method trains through.
 *
 * @param numVirtualTokens         the virtual tokens P
 * @param tokenDim                 the width of each (the base's hidden size; for prefix tuning on a GQA base,
 *                                 kv heads x head dim)
 * @param numTransformerSubmodules 1 for a decoder-only base (2: encoder-decoder, which Cortado has not)
 * @param numAttentionHeads        the heads a prefix is split into (kv heads on a GQA base)
 * @param numLayers                the base's layers
 * @param baseModelNameOrPath      the base the adapter was made for, or null
 * @param taskType                 peft's task_type ({@code CAUSAL_LM}), or null
 * @param inferenceMode            true: the encoder is its output table (an adapter read from a file)
 */
public record PromptFields(int numVirtualTokens, Integer tokenDim, Integer numTransformerSubmodules,
                           Integer numAttentionHeads, Integer numLayers, String baseModelNameOrPath, String taskType,
                           boolean inferenceMode) {
    public PromptFields {
        if (numVirtualTokens <= 0)
            throw new PeftException("num_virtual_tokens must be a positive integer, got " + numVirtualTokens);
        if (numTransformerSubmodules != null && numTransformerSubmodules != 1)
            throw new PeftException("num_transformer_submodules = " + numTransformerSubmodules + " is for encoder-decoder"
                    + " models; Cortado's prompt learning takes decoder-only ones (1)");
    }

    /** P virtual tokens for a base still to be resolved, for a new (trainable) adapter. */
    public static PromptFields of(int numVirtualTokens) {
        return new PromptFields(numVirtualTokens, null, null, null, null, null, "CAUSAL_LM", false);
    }

    /** The virtual tokens the encoder makes: P per transformer submodule. */
    public int totalVirtualTokens() { return numVirtualTokens * (numTransformerSubmodules == null ? 1 : numTransformerSubmodules); }

    public PromptFields withBaseModel(String nameOrPath) {
        return new PromptFields(numVirtualTokens, tokenDim, numTransformerSubmodules, numAttentionHeads, numLayers,
                nameOrPath, taskType, inferenceMode);
    }

    /**
     * peft's {@code _prepare_prompt_learning_config} over the base's config.json fields: num_layers, token_dim and
     * num_attention_heads where unset; for a prefix ({@code kvSized}) on a base with num_key_value_heads, token_dim
     * becomes head_dim x kv heads and the heads the kv heads (the cached keys' shape).
     */
    public PromptFields resolve(Map<String, Object> hf, boolean kvSized) {
        int layers = numLayers != null ? numLayers : first(hf, "num_layers", "num_hidden_layers", "num_layers", "n_layer");
        int dim = tokenDim != null ? tokenDim : first(hf, "token_dim", "hidden_size", "n_embd", "d_model");
        int heads = numAttentionHeads != null ? numAttentionHeads
                : first(hf, "num_attention_heads", "num_attention_heads", "n_head", "num_heads");
        if (kvSized && hf.get("num_key_value_heads") instanceof Number kv) {
            int headDim = hf.get("head_dim") instanceof Number hd ? hd.intValue() : dim / heads;
            dim = headDim * kv.intValue();
            heads = kv.intValue();
        }
        return new PromptFields(numVirtualTokens, dim, numTransformerSubmodules == null ? 1 : numTransformerSubmodules,
                heads, layers, baseModelNameOrPath, taskType, inferenceMode);
    }

    private static int first(Map<String, Object> hf, String field, String... names) {
        for (String n : names) if (hf.get(n) instanceof Number v) return v.intValue();
        throw new PeftException("Please specify `" + field + "` in the adapter config (the base's config.json has none"
                + " of " + String.join(", ", names) + ")");
    }

    /** The common fields as peft writes them (the method's fields and {@code ConfigJson.base} come beside). */
    public void put(Map<String, Object> j) {
        j.put("modules_to_save", null);
        j.put("num_attention_heads", numAttentionHeads == null ? null : (Object) (long) numAttentionHeads);
        j.put("num_layers", numLayers == null ? null : (Object) (long) numLayers);
        j.put("num_transformer_submodules", numTransformerSubmodules == null ? null : (Object) (long) numTransformerSubmodules);
        j.put("num_virtual_tokens", (long) numVirtualTokens);
        j.put("token_dim", tokenDim == null ? null : (Object) (long) tokenDim);
    }

    /** Reads the common fields; a file with modules_to_save (a task head beside the prompt) is refused. */
    public static PromptFields fromJson(ConfigFields f) {
        List<String> save = f.strings("modules_to_save");
        if (save != null && !save.isEmpty())
            throw new PeftException(f.where() + ": modules_to_save " + save + " with prompt learning is not supported");
        Object n = f.json().get("num_virtual_tokens");
        if (!(n instanceof Long)) throw f.bad("num_virtual_tokens", "an integer", n);
        return f.read(() -> new PromptFields(f.integer("num_virtual_tokens", 0), optional(f, "token_dim"),
                optional(f, "num_transformer_submodules"), optional(f, "num_attention_heads"), optional(f, "num_layers"),
                f.string("base_model_name_or_path", null), f.string("task_type", null),
                f.bool("inference_mode", false)));
    }

    private static Integer optional(ConfigFields f, String field) {
        return f.json().get(field) == null ? null : f.integer(field, 0);
    }
}
