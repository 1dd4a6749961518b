package cortado.nn.models.llama;

import static cortado.nn.models.HfConfigFields.requirePositive;

import cortado.nn.RopeScaling;
import cortado.nn.models.ConfigException;
import cortado.nn.models.HfConfigFields;
import cortado.nn.models.ModelConfig;
import cortado.nn.models.RopeParameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hyperparameters of the Llama architecture (Touvron et al. 2023) and the relatives transformers builds the same
 * way, under Hugging Face's names and with each family's defaults for absent fields ({@code LlamaConfig},
 * {@code MistralConfig}, {@code Qwen2Config}, {@code Qwen3Config} in transformers 5.18). The families differ only in:
 * <ul>
 *   <li>llama: attention_bias (q/k/v/o) and mlp_bias;</li>
 *   <li>mistral: sliding_window on every layer (default 4096, null for none), no biases;</li>
 *   <li>qwen2: q/k/v biases always (o_proj none); sliding windows only with use_sliding_window, on the layers that
 *       layer_types marks (by default those from max_window_layers on);</li>
 *   <li>qwen3: attention_bias (q/k/v/o), per-head q_norm/k_norm, head_dim 128 by default, windows as qwen2.</li>
 * </ul>
 * RoPE and its scaling come from {@link RopeParameters}. A field the reader does not know is refused, naming it, unless
 * it is in {@link #IGNORED}: fields that do not change what the model computes.
 *
 * @param modelType Hugging Face's model_type: llama, mistral, qwen2 or qwen3
 * @param headDim per-head width; config.json's head_dim, by default hidden_size / num_attention_heads (qwen3: 128)
 * @param slidingWindow the window transformers uses (qwen: null unless use_sliding_window), or null for none
 * @param layerTypes qwen2/qwen3's per-layer "full_attention" / "sliding_attention"; empty for llama and mistral
 * @param attentionDropout dropout on the attention probabilities in training mode (transformers' attention_dropout)
 */
public record LlamaConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int numKeyValueHeads, int headDim, float rmsNormEps, RopeScaling rope,
                          int maxPositionEmbeddings, boolean tieWordEmbeddings, float initializerRange,
                          Integer bosTokenId, List<Integer> eosTokenIds, boolean attentionBias, boolean mlpBias,
                          Integer slidingWindow, boolean useSlidingWindow, int maxWindowLayers, List<String> layerTypes,
                          float attentionDropout)
        implements ModelConfig {

    /** The model types this reader builds. */
    public static final List<String> MODEL_TYPES = List.of("llama", "mistral", "qwen2", "qwen3");

    /**
     * Fields read and deliberately ignored: bookkeeping, inference switches and ids of padding.
     */
    public static final List<String> IGNORED = List.of("architectures", "_name_or_path", "transformers_version",
            "torch_dtype", "dtype", "use_cache", "pad_token_id", "pretraining_tp",
            "output_attentions", "output_hidden_states", "return_dict", "tokenizer_class", "keys_to_ignore_at_inference");

    /** Without attention dropout. */
    public LlamaConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                       int numAttentionHeads, int numKeyValueHeads, int headDim, float rmsNormEps, RopeScaling rope,
                       int maxPositionEmbeddings, boolean tieWordEmbeddings, float initializerRange,
                       Integer bosTokenId, List<Integer> eosTokenIds, boolean attentionBias, boolean mlpBias,
                       Integer slidingWindow, boolean useSlidingWindow, int maxWindowLayers, List<String> layerTypes) {
        this(modelType, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
                headDim, rmsNormEps, rope, maxPositionEmbeddings, tieWordEmbeddings, initializerRange, bosTokenId,
                eosTokenIds, attentionBias, mlpBias, slidingWindow, useSlidingWindow, maxWindowLayers, layerTypes, 0f);
    }

    public LlamaConfig {
        HfConfigFields.requireProbability("attention_dropout", attentionDropout);
        if (!MODEL_TYPES.contains(modelType))
            throw new ConfigException("config.json: model_type " + HfConfigFields.show(modelType)
                    + " is not a Llama-family type (" + String.join(", ", MODEL_TYPES) + ")");
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("num_hidden_layers", numHiddenLayers);
        requirePositive("num_attention_heads", numAttentionHeads);
        requirePositive("num_key_value_heads", numKeyValueHeads);
        requirePositive("head_dim", headDim);
        requirePositive("rms_norm_eps", rmsNormEps);
        requirePositive("rope_theta", (float) rope.theta());
        requirePositive("max_position_embeddings", maxPositionEmbeddings);
        if (!(initializerRange >= 0) || Float.isInfinite(initializerRange))
            throw new ConfigException("config.json: initializer_range must be >= 0, got " + initializerRange);
        if (numAttentionHeads % numKeyValueHeads != 0)
            throw new ConfigException("config.json: num_key_value_heads (" + numKeyValueHeads
                    + ") does not divide num_attention_heads (" + numAttentionHeads + ")");
        if (headDim % 2 != 0)
            throw new ConfigException("config.json: head_dim (" + headDim + ") must be even for rotary embeddings");
        if (rope instanceof RopeScaling.Dynamic && headDim <= 2)
            throw new ConfigException("config.json: dynamic rope scaling needs head_dim > 2, got " + headDim);
        if (bosTokenId != null && bosTokenId < 0)
            throw new ConfigException("config.json: bos_token_id must be >= 0, got " + bosTokenId);
        eosTokenIds = List.copyOf(eosTokenIds);
        for (int id : eosTokenIds)
            if (id < 0) throw new ConfigException("config.json: eos_token_id must be >= 0, got " + id);
        if (mlpBias && !modelType.equals("llama"))
            throw new ConfigException("config.json: mlp_bias is a llama field, not " + modelType);
        if (attentionBias && !(modelType.equals("llama") || modelType.equals("qwen3")))
            throw new ConfigException("config.json: attention_bias is not a " + modelType + " field");
        if (slidingWindow != null) requirePositive("sliding_window", slidingWindow);
        layerTypes = List.copyOf(layerTypes);
        boolean qwen = modelType.startsWith("qwen");
        if (qwen && layerTypes.size() != numHiddenLayers)
            throw new ConfigException("config.json: layer_types has " + layerTypes.size() + " entries for "
                    + numHiddenLayers + " layers");
        if (!qwen && !layerTypes.isEmpty())
            throw new ConfigException("config.json: layer_types is not supported for " + modelType);
        for (String t : layerTypes) {
            if (!t.equals("full_attention") && !t.equals("sliding_attention"))
                throw new ConfigException("config.json: layer_types entry " + HfConfigFields.show(t)
                        + " is not supported (full_attention, sliding_attention)");
            if (t.equals("sliding_attention") && slidingWindow == null)
                throw new ConfigException("config.json: layer_types marks a sliding_attention layer but there is no"
                        + " sliding window (use_sliding_window is false or sliding_window is null)");
        }
    }

    /** A plain Llama (unscaled RoPE, no biases): the shape tests and presets use. */
    public LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                       int numKeyValueHeads, int headDim, float rmsNormEps, float ropeTheta, int maxPositionEmbeddings,
                       boolean tieWordEmbeddings, float initializerRange, Integer bosTokenId, List<Integer> eosTokenIds) {
        this("llama", vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
                headDim, rmsNormEps, new RopeScaling.Default(HfConfigFields.decimal(ropeTheta)), maxPositionEmbeddings,
                tieWordEmbeddings, initializerRange, bosTokenId, eosTokenIds, false, false, null, false, 0, List.of());
    }

    public static LlamaConfig fromHfJson(Map<String, Object> json) {
        HfConfigFields f = new HfConfigFields(json);
        String type = f.string("model_type", null);
        if (type == null || !MODEL_TYPES.contains(type))
            throw new ConfigException("config.json: model_type " + HfConfigFields.show(type)
                    + " is not a Llama-family type (" + String.join(", ", MODEL_TYPES) + ")");
        boolean llama = type.equals("llama"), mistral = type.equals("mistral"), qwen = type.startsWith("qwen");
        f.requireOneOf("hidden_act", "silu", "the gated MLP uses SiLU", "silu");
        if (qwen) f.requireOneOf("use_mrope", false, "multimodal rotary sections are not implemented", false);
        f.ignore(IGNORED);

        int hidden = f.integer("hidden_size", 4096);
        int heads = f.integer("num_attention_heads", 32);
        requirePositive("num_attention_heads", heads);
        Integer headDim = f.optionalInteger("head_dim");
        if (headDim == null && type.equals("qwen3")) headDim = 128;
        if (headDim == null) {
            if (hidden % heads != 0)
                throw new ConfigException("config.json: num_attention_heads (" + heads + ") does not divide hidden_size ("
                        + hidden + ")");
            headDim = hidden / heads;
        }
        int layers = f.integer("num_hidden_layers", 32);
        int maxPositions = f.integer("max_position_embeddings", llama ? 2048 : mistral ? 131072 : 32768);
        boolean attentionBias = false, mlpBias = false;
        if (llama || type.equals("qwen3")) attentionBias = f.bool("attention_bias", false);
        if (llama) mlpBias = f.bool("mlp_bias", false);
        Integer window = null;
        boolean useWindow = false;
        int maxWindowLayers = 0;
        List<String> layerTypes = List.of();
        if (mistral) {
            window = f.present("sliding_window") ? f.optionalInteger("sliding_window") : Integer.valueOf(4096);
        } else if (qwen) {
            // Qwen2Config.__post_init__: the window exists only with use_sliding_window, on layers >= max_window_layers.
            useWindow = f.bool("use_sliding_window", false);
            Integer raw = f.present("sliding_window") ? f.optionalInteger("sliding_window") : Integer.valueOf(4096);
            window = useWindow ? raw : null;
            maxWindowLayers = f.integer("max_window_layers", 28);
            List<String> types = strings(f, "layer_types");
            if (types == null) {
                types = new ArrayList<>();
                for (int i = 0; i < layers; i++)
                    types.add(window != null && i >= maxWindowLayers ? "sliding_attention" : "full_attention");
            }
            layerTypes = types;
        }
        RopeScaling rope = RopeParameters.read(f, maxPositions);
        LlamaConfig c = new LlamaConfig(
                type,
                f.integer("vocab_size", qwen ? 151936 : 32000),
                hidden,
                f.integer("intermediate_size", llama ? 11008 : mistral ? 14336 : 22016),
                layers,
                heads,
                kvHeads(f, heads, llama ? heads : mistral ? 8 : 32),
                headDim,
                f.number("rms_norm_eps", 1e-6f),
                rope,
                maxPositions,
                f.bool("tie_word_embeddings", false),
                f.number("initializer_range", 0.02f),
                f.present("bos_token_id") ? f.optionalInteger("bos_token_id") : qwen ? null : Integer.valueOf(1),
                f.ids("eos_token_id", f.present("eos_token_id") ? List.of() : qwen ? List.of() : List.of(2)),
                attentionBias, mlpBias, window, useWindow, maxWindowLayers, layerTypes,
                f.number("attention_dropout", 0f));
        f.rejectUnread("model_type \"" + type + "\"");
        return c;
    }

    /** num_key_value_heads: absent gives the family default, null gives num_attention_heads (as __post_init__). */
    private static int kvHeads(HfConfigFields f, int heads, int absent) {
        if (!f.present("num_key_value_heads")) return absent;
        Integer v = f.optionalInteger("num_key_value_heads");
        return v == null ? heads : v;
    }

    private static List<String> strings(HfConfigFields f, String key) {
        Object v = f.raw(key);
        if (v == null) return null;
        if (!(v instanceof List<?> l)) throw new ConfigException("config.json: " + key + " must be a list of strings");
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s)) throw new ConfigException("config.json: " + key + " must be a list of strings");
            out.add(s);
        }
        return out;
    }

    @Override
    public Map<String, Object> toHfJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_type", modelType);
        m.put("architectures", List.of(switch (modelType) {
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            default -> "LlamaForCausalLM";
        }));
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
        RopeParameters.write(rope, m);
        if (modelType.equals("llama") || modelType.equals("qwen3")) m.put("attention_bias", attentionBias);
        if (modelType.equals("llama")) m.put("mlp_bias", mlpBias);
        if (modelType.equals("mistral")) m.put("sliding_window", slidingWindow == null ? null : (long) slidingWindow);
        if (modelType.startsWith("qwen")) {
            m.put("use_sliding_window", useSlidingWindow);
            m.put("sliding_window", slidingWindow == null ? null : (long) slidingWindow);
            m.put("max_window_layers", (long) maxWindowLayers);
            m.put("layer_types", layerTypes);
        }
        m.put("attention_dropout", HfConfigFields.decimal(attentionDropout));
        m.put("tie_word_embeddings", tieWordEmbeddings);
        m.put("initializer_range", HfConfigFields.decimal(initializerRange));
        m.put("bos_token_id", bosTokenId == null ? null : (long) bosTokenId);
        HfConfigFields.putIds(m, "eos_token_id", eosTokenIds);
        return m;
    }

    /** rope_theta as a float (the base of plain RoPE). */
    public float ropeTheta() { return (float) rope.theta(); }

    /** Whether q_proj, k_proj and v_proj have biases (qwen2 always; llama and qwen3 with attention_bias). */
    public boolean qkvBias() { return modelType.equals("qwen2") || attentionBias; }

    /** Whether o_proj has a bias (attention_bias; never in qwen2 and mistral). */
    public boolean outputBias() { return attentionBias; }

    /** Qwen3's per-head RMSNorm of queries and keys. */
    public boolean qkNorm() { return modelType.equals("qwen3"); }

    /** The key window of layer {@code i}, or 0 for full causal attention. */
    public int slidingWindowOf(int layer) {
        if (slidingWindow == null) return 0;
        if (modelType.equals("mistral")) return slidingWindow;
        return layerTypes.get(layer).equals("sliding_attention") ? slidingWindow : 0;
    }

    /**
     * The most positions a forward pass may reach: max_position_embeddings, except under dynamic NTK scaling, whose
     * purpose is to run past it (transformers sets no limit; here factor x max_position_embeddings).
     */
    public int positionLimit() {
        if (rope instanceof RopeScaling.Dynamic d)
            return (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(d.factor() * maxPositionEmbeddings));
        return maxPositionEmbeddings;
    }

    @Override public String modelType() { return modelType; }

    @Override public int maxPositions() { return maxPositionEmbeddings; }
}
