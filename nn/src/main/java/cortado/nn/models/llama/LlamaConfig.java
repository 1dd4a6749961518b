package cortado.nn.models.llama;

import static cortado.nn.models.HfConfigFields.requirePositive;

import cortado.nn.models.ConfigException;
import cortado.nn.models.HfConfigFields;
import cortado.nn.models.ModelConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Llama's hyperparameters (Touvron et al. 2023) under Hugging Face's {@code LlamaConfig} names, with its defaults for
 * absent fields. The rotary base is read from {@code rope_theta} (transformers 4.x) or {@code rope_parameters}
 * (transformers 5); RoPE scaling variants, biases and activations other than SiLU change the computation and are refused
 * with the field named.
 *
 * @param headDim per-head width; config.json's head_dim, by default hidden_size / num_attention_heads
 */
public record LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int numKeyValueHeads, int headDim, float rmsNormEps, float ropeTheta,
                          int maxPositionEmbeddings, boolean tieWordEmbeddings, float initializerRange,
                          Integer bosTokenId, List<Integer> eosTokenIds) implements ModelConfig {

    public LlamaConfig {
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("num_hidden_layers", numHiddenLayers);
        requirePositive("num_attention_heads", numAttentionHeads);
        requirePositive("num_key_value_heads", numKeyValueHeads);
        requirePositive("head_dim", headDim);
        requirePositive("rms_norm_eps", rmsNormEps);
        requirePositive("rope_theta", ropeTheta);
        requirePositive("max_position_embeddings", maxPositionEmbeddings);
        if (!(initializerRange >= 0) || Float.isInfinite(initializerRange))
            throw new ConfigException("config.json: initializer_range must be >= 0, got " + initializerRange);
        if (numAttentionHeads % numKeyValueHeads != 0)
            throw new ConfigException("config.json: num_key_value_heads (" + numKeyValueHeads
                    + ") does not divide num_attention_heads (" + numAttentionHeads + ")");
        if (headDim % 2 != 0)
            throw new ConfigException("config.json: head_dim (" + headDim + ") must be even for rotary embeddings");
        if (bosTokenId != null && bosTokenId < 0)
            throw new ConfigException("config.json: bos_token_id must be >= 0, got " + bosTokenId);
        eosTokenIds = List.copyOf(eosTokenIds);
        for (int id : eosTokenIds)
            if (id < 0) throw new ConfigException("config.json: eos_token_id must be >= 0, got " + id);
    }

    public static LlamaConfig fromHfJson(Map<String, Object> json) {
        HfConfigFields f = new HfConfigFields(json);
        f.requireOneOf("model_type", "llama", "this is the Llama config reader", "llama");
        f.requireOneOf("hidden_act", "silu", "the gated MLP uses SiLU", "silu");
        f.requireOneOf("attention_bias", false, "attention projections have no bias", false);
        f.requireOneOf("mlp_bias", false, "MLP projections have no bias", false);
        float theta = f.number("rope_theta", 10000f);
        Map<String, Object> rope = f.object("rope_parameters");
        if (rope != null) {
            HfConfigFields r = new HfConfigFields(rope);
            r.requireOneOf("rope_type", "default", "only unscaled RoPE is implemented (rope_parameters.rope_type)",
                    "default");
            theta = r.number("rope_theta", theta);
        }
        Map<String, Object> scaling = f.object("rope_scaling");
        if (scaling != null) {
            Object type = scaling.containsKey("rope_type") ? scaling.get("rope_type") : scaling.get("type");
            if (!"default".equals(type))
                throw new ConfigException("config.json: rope_scaling (" + HfConfigFields.show(type)
                        + ") is not supported: only unscaled RoPE is implemented");
        }
        int hidden = f.integer("hidden_size", 4096);
        int heads = f.integer("num_attention_heads", 32);
        requirePositive("num_attention_heads", heads);
        Integer headDim = f.optionalInteger("head_dim");
        if (headDim == null) {
            if (hidden % heads != 0)
                throw new ConfigException("config.json: num_attention_heads (" + heads + ") does not divide hidden_size ("
                        + hidden + ")");
            headDim = hidden / heads;
        }
        return new LlamaConfig(
                f.integer("vocab_size", 32000),
                hidden,
                f.integer("intermediate_size", 11008),
                f.integer("num_hidden_layers", 32),
                heads,
                f.integer("num_key_value_heads", heads),
                headDim,
                f.number("rms_norm_eps", 1e-6f),
                theta,
                f.integer("max_position_embeddings", 2048),
                f.bool("tie_word_embeddings", false),
                f.number("initializer_range", 0.02f),
                json.containsKey("bos_token_id") ? f.optionalInteger("bos_token_id") : Integer.valueOf(1),
                f.ids("eos_token_id", json.containsKey("eos_token_id") ? List.of() : List.of(2)));
    }

    @Override
    public Map<String, Object> toHfJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_type", "llama");
        m.put("architectures", List.of("LlamaForCausalLM"));
        m.put("vocab_size", (long) vocabSize);
        m.put("hidden_size", (long) hiddenSize);
        m.put("intermediate_size", (long) intermediateSize);
        m.put("num_hidden_layers", (long) numHiddenLayers);
        m.put("num_attention_heads", (long) numAttentionHeads);
        m.put("num_key_value_heads", (long) numKeyValueHeads);
        m.put("head_dim", (long) headDim);
        m.put("hidden_act", "silu");
        m.put("max_position_embeddings", (long) maxPositionEmbeddings);
        m.put("rms_norm_eps", HfConfigFields.decimal(rmsNormEps));
        // Both spellings: transformers 4.x reads rope_theta, transformers 5 reads rope_parameters.
        m.put("rope_theta", HfConfigFields.decimal(ropeTheta));
        Map<String, Object> rope = new LinkedHashMap<>();
        rope.put("rope_theta", HfConfigFields.decimal(ropeTheta));
        rope.put("rope_type", "default");
        m.put("rope_parameters", rope);
        m.put("attention_bias", false);
        m.put("mlp_bias", false);
        m.put("tie_word_embeddings", tieWordEmbeddings);
        m.put("initializer_range", HfConfigFields.decimal(initializerRange));
        m.put("bos_token_id", bosTokenId == null ? null : (long) bosTokenId);
        HfConfigFields.putIds(m, "eos_token_id", eosTokenIds);
        return m;
    }

    @Override public String modelType() { return "llama"; }

    @Override public int maxPositions() { return maxPositionEmbeddings; }
}
