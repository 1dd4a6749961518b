package cortado.nn.models;

import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.gpt2.Gpt2LmHeadModel;
import cortado.nn.models.llama.LlamaConfig;
import cortado.nn.models.llama.LlamaForCausalLm;
import java.util.Map;

/** Builds a model from a Hugging Face config.json (parsed), choosing the family by its {@code model_type}. */
public final class Models {
    private Models() {}

    /** A randomly initialised model, seed 0. */
    public static CausalLm fromConfig(Map<String, Object> hfConfigJson) { return fromConfig(hfConfigJson, 0L); }

    /** A model initialised as its family does in Hugging Face, reproducibly from {@code seed}. */
    public static CausalLm fromConfig(Map<String, Object> hfConfigJson, long seed) {
        return switch (modelType(hfConfigJson)) {
            case "gpt2" -> new Gpt2LmHeadModel(Gpt2Config.fromHfJson(hfConfigJson), seed);
            case "llama", "mistral", "qwen2", "qwen3" -> new LlamaForCausalLm(LlamaConfig.fromHfJson(hfConfigJson), seed);
            default -> throw unsupported(hfConfigJson);
        };
    }

    /** The family's config for a parsed config.json, checked as {@link #fromConfig} checks it; builds no weights. */
    public static ModelConfig config(Map<String, Object> hfConfigJson) {
        return switch (modelType(hfConfigJson)) {
            case "gpt2" -> Gpt2Config.fromHfJson(hfConfigJson);
            case "llama", "mistral", "qwen2", "qwen3" -> LlamaConfig.fromHfJson(hfConfigJson);
            default -> throw unsupported(hfConfigJson);
        };
    }

    /**
     * A model with allocated but undrawn parameters (zeros, norms at one), for a loader that then sets every weight
     * from a checkpoint: it skips the cost of drawing 124M normals that would be overwritten.
     */
    public static CausalLm forLoading(Map<String, Object> hfConfigJson) {
        CausalLm model = switch (modelType(hfConfigJson)) {
            case "gpt2" -> new Gpt2LmHeadModel(Gpt2Config.fromHfJson(hfConfigJson));
            case "llama", "mistral", "qwen2", "qwen3" -> new LlamaForCausalLm(LlamaConfig.fromHfJson(hfConfigJson));
            default -> throw unsupported(hfConfigJson);
        };
        model.module().eval();   // as from_pretrained returns it: dropout off until a trainer calls train()
        return model;
    }

    /** A model for a config object (random init from {@code seed}). */
    public static CausalLm create(ModelConfig config, long seed) {
        return switch (config) {
            case Gpt2Config c -> new Gpt2LmHeadModel(c, seed);
            case LlamaConfig c -> new LlamaForCausalLm(c, seed);
            default -> throw new IllegalArgumentException("no model for config " + config.getClass().getName());
        };
    }

    private static String modelType(Map<String, Object> json) {
        if (json == null) throw new ConfigException("config.json: no config object");
        Object t = json.get("model_type");
        if (t == null)
            throw new ConfigException("config.json: model_type is missing (expected one of gpt2, llama, mistral, qwen2,"
                    + " qwen3)");
        if (!(t instanceof String s)) throw new ConfigException("config.json: model_type must be a string, got " + t);
        return s;
    }

    private static ConfigException unsupported(Map<String, Object> json) {
        return new ConfigException("config.json: model_type \"" + json.get("model_type")
                + "\" is not supported (supported: gpt2, llama, mistral, qwen2, qwen3)");
    }
}
