package cortado.nn.models.gpt2;

import static cortado.nn.models.HfConfigFields.requirePositive;

import cortado.nn.models.ConfigException;
import cortado.nn.models.HfConfigFields;
import cortado.nn.models.ModelConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GPT-2's hyperparameters (Radford et al. 2019) under Hugging Face's {@code GPT2Config} names. A field missing from
 * config.json takes Hugging Face's default (the 124M model's, dropout rates 0.1 included); fields that would change
 * the computation and that Cortado does not implement (another activation, unscaled attention, cross-attention) are
 * refused with the field named.
 *
 * @param nInner MLP width; config.json's null means 4 * n_embd
 * @param bosTokenId null when the config names none
 * @param embdPdrop dropout on the embeddings' sum (GPT2Model.drop), training mode only
 * @param residPdrop dropout on each attention's and MLP's output before the residual add
 * @param attnPdrop dropout on the attention probabilities
 */
public record Gpt2Config(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead, int nInner,
                         float layerNormEpsilon, float initializerRange, boolean tieWordEmbeddings,
                         Integer bosTokenId, List<Integer> eosTokenIds, float embdPdrop, float residPdrop,
                         float attnPdrop) implements ModelConfig {

    /** Without dropout. */
    public Gpt2Config(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead, int nInner, float layerNormEpsilon,
                      float initializerRange, boolean tieWordEmbeddings, Integer bosTokenId, List<Integer> eosTokenIds) {
        this(vocabSize, nPositions, nEmbd, nLayer, nHead, nInner, layerNormEpsilon, initializerRange, tieWordEmbeddings,
                bosTokenId, eosTokenIds, 0f, 0f, 0f);
    }

    public Gpt2Config {
        HfConfigFields.requireProbability("embd_pdrop", embdPdrop);
        HfConfigFields.requireProbability("resid_pdrop", residPdrop);
        HfConfigFields.requireProbability("attn_pdrop", attnPdrop);
        requirePositive("vocab_size", vocabSize);
        requirePositive("n_positions", nPositions);
        requirePositive("n_embd", nEmbd);
        requirePositive("n_layer", nLayer);
        requirePositive("n_head", nHead);
        requirePositive("n_inner", nInner);
        requirePositive("layer_norm_epsilon", layerNormEpsilon);
        if (!(initializerRange >= 0) || Float.isInfinite(initializerRange))
            throw new ConfigException("config.json: initializer_range must be >= 0, got " + initializerRange);
        if (nEmbd % nHead != 0)
            throw new ConfigException("config.json: n_head (" + nHead + ") does not divide n_embd (" + nEmbd + ")");
        if (bosTokenId != null && bosTokenId < 0)
            throw new ConfigException("config.json: bos_token_id must be >= 0, got " + bosTokenId);
        eosTokenIds = List.copyOf(eosTokenIds);
        for (int id : eosTokenIds)
            if (id < 0) throw new ConfigException("config.json: eos_token_id must be >= 0, got " + id);
    }

    /**
     * A GPT-2 with the usual choices: MLP 4x wide, eps 1e-5, init std 0.02, tied embeddings, and no dropout (the
     * presets' choice: their short runs on small corpora, and the training goldens, are made without it).
     */
    public static Gpt2Config of(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead, int endOfText) {
        return new Gpt2Config(vocabSize, nPositions, nEmbd, nLayer, nHead, 4 * nEmbd, 1e-5f, 0.02f, true,
                endOfText, List.of(endOfText));
    }

    /** This config with other dropout rates. */
    public Gpt2Config withDropout(float embd, float resid, float attn) {
        return new Gpt2Config(vocabSize, nPositions, nEmbd, nLayer, nHead, nInner, layerNormEpsilon, initializerRange,
                tieWordEmbeddings, bosTokenId, eosTokenIds, embd, resid, attn);
    }

    public static Gpt2Config fromHfJson(Map<String, Object> json) {
        HfConfigFields f = new HfConfigFields(json);
        f.requireOneOf("model_type", "gpt2", "this is the GPT-2 config reader", "gpt2");
        f.requireOneOf("activation_function", "gelu_new", "GPT-2 here uses GELU in its tanh form",
                "gelu_new", "gelu_pytorch_tanh");
        f.requireOneOf("scale_attn_weights", true, "attention scores are always scaled by 1/sqrt(head dim)", true);
        f.requireOneOf("scale_attn_by_inverse_layer_idx", false, "no per-layer attention scaling", false);
        f.requireOneOf("add_cross_attention", false, "decoder-only model", false);
        f.ignore(IGNORED);
        int nEmbd = f.integer("n_embd", 768);
        Integer nInner = f.optionalInteger("n_inner");
        Gpt2Config c = new Gpt2Config(
                f.integer("vocab_size", 50257),
                f.integer("n_positions", 1024),
                nEmbd,
                f.integer("n_layer", 12),
                f.integer("n_head", 12),
                nInner == null ? 4 * nEmbd : nInner,
                f.number("layer_norm_epsilon", 1e-5f),
                f.number("initializer_range", 0.02f),
                f.bool("tie_word_embeddings", true),
                f.present("bos_token_id") ? f.optionalInteger("bos_token_id") : Integer.valueOf(50256),
                f.ids("eos_token_id", f.present("eos_token_id") ? List.of() : List.of(50256)),
                f.number("embd_pdrop", 0.1f),
                f.number("resid_pdrop", 0.1f),
                f.number("attn_pdrop", 0.1f));
        f.rejectUnread("model_type \"gpt2\"");
        return c;
    }

    /**
     * Fields read and deliberately ignored: bookkeeping, inference switches, the sequence-summary head of GPT2DoubleHeadsModel (summary_*), n_ctx (GPT-2's old copy of n_positions),
     * reorder_and_upcast_attn (a float16 stability switch; Cortado's attention is float32 throughout).
     */
    public static final List<String> IGNORED = List.of("architectures", "_name_or_path", "transformers_version",
            "torch_dtype", "dtype", "use_cache", "pad_token_id",
            "summary_activation", "summary_first_dropout", "summary_proj_to_labels", "summary_type", "summary_use_proj",
            "n_ctx", "reorder_and_upcast_attn", "task_specific_params", "output_attentions", "output_hidden_states",
            "return_dict", "tokenizer_class", "keys_to_ignore_at_inference");

    @Override
    public Map<String, Object> toHfJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_type", "gpt2");
        m.put("architectures", List.of("GPT2LMHeadModel"));
        m.put("vocab_size", (long) vocabSize);
        m.put("n_positions", (long) nPositions);
        m.put("n_ctx", (long) nPositions);
        m.put("n_embd", (long) nEmbd);
        m.put("n_layer", (long) nLayer);
        m.put("n_head", (long) nHead);
        m.put("n_inner", (long) nInner);
        m.put("activation_function", "gelu_new");
        m.put("layer_norm_epsilon", HfConfigFields.decimal(layerNormEpsilon));
        m.put("initializer_range", HfConfigFields.decimal(initializerRange));
        m.put("tie_word_embeddings", tieWordEmbeddings);
        m.put("resid_pdrop", HfConfigFields.decimal(residPdrop));
        m.put("embd_pdrop", HfConfigFields.decimal(embdPdrop));
        m.put("attn_pdrop", HfConfigFields.decimal(attnPdrop));
        m.put("bos_token_id", bosTokenId == null ? null : (long) bosTokenId);
        HfConfigFields.putIds(m, "eos_token_id", eosTokenIds);
        return m;
    }

    @Override public String modelType() { return "gpt2"; }

    @Override public int maxPositions() { return nPositions; }

    public int headDim() { return nEmbd / nHead; }
}
