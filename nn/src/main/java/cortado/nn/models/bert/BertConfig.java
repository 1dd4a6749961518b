package cortado.nn.models.bert;

import static cortado.nn.models.HfConfigFields.requirePositive;

import cortado.nn.models.ConfigException;
import cortado.nn.models.HfConfigFields;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BERT's hyperparameters (Devlin et al. 2019) under Hugging Face's {@code BertConfig} names; a missing field takes
 * transformers' default. Every field of config.json must be one this reader knows: a field it does not know, or a
 * value that would change the computation in a way Cortado does not implement (a decoder, cross-attention, relative
 * positions, another activation), stops loading with the field named. Dropout rates and bookkeeping fields
 * (transformers_version, architectures, label names...) do not change inference and are accepted.
 *
 * @param hiddenAct "gelu" (exact, erf) or "gelu_new"/"gelu_pytorch_tanh" (tanh form)
 * @param numLabels classifier outputs of BertForSequenceClassification (id2label's size, or num_labels; default 2)
 * @param architecture the first entry of {@code architectures}, or null
 * @param hiddenDropoutProb dropout after the embeddings and on each sublayer's output (training mode only)
 * @param attentionProbsDropoutProb dropout on the attention probabilities
 * @param classifierDropout dropout before BertForSequenceClassification's classifier (classifier_dropout, or
 *                          hidden_dropout_prob when that is null, as transformers does)
 * @param initializerRange the standard deviation of a new model's or head's weights ({@link BertInit}; transformers'
 *                         default 0.02 suits BERT-base's width of 768, a narrow model needs more, about
 *                         1/sqrt(hidden_size), or its [CLS] state barely depends on the input at the start)
 */
public record BertConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
                         int intermediateSize, String hiddenAct, int maxPositionEmbeddings, int typeVocabSize,
                         float layerNormEps, int numLabels, String architecture, float hiddenDropoutProb,
                         float attentionProbsDropoutProb, float classifierDropout, float initializerRange) {

    /** transformers' default initializer_range. */
    public static final float DEFAULT_INITIALIZER_RANGE = 0.02f;

    /** With transformers' default initializer_range. */
    public BertConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize,
                      String hiddenAct, int maxPositionEmbeddings, int typeVocabSize, float layerNormEps, int numLabels,
                      String architecture, float hiddenDropoutProb, float attentionProbsDropoutProb,
                      float classifierDropout) {
        this(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
                maxPositionEmbeddings, typeVocabSize, layerNormEps, numLabels, architecture, hiddenDropoutProb,
                attentionProbsDropoutProb, classifierDropout, DEFAULT_INITIALIZER_RANGE);
    }

    /** Without dropout. */
    public BertConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize,
                      String hiddenAct, int maxPositionEmbeddings, int typeVocabSize, float layerNormEps, int numLabels,
                      String architecture) {
        this(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
                maxPositionEmbeddings, typeVocabSize, layerNormEps, numLabels, architecture, 0f, 0f, 0f);
    }

    /** Fields read below, and fields that do not change what the encoder computes at inference. */
    private static final Set<String> KNOWN = Set.of(
            "model_type", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
            "intermediate_size", "hidden_act", "max_position_embeddings", "type_vocab_size", "layer_norm_eps",
            "num_labels", "id2label", "label2id", "architectures", "position_embedding_type", "is_decoder",
            "add_cross_attention", "tie_word_embeddings",
            // dropout (read above; training mode only), initialisation (read above; a new model's weights only), and
            // no effect at all: caching, token ids, dtype, bookkeeping
            "hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout", "initializer_range",
            "pad_token_id", "bos_token_id", "eos_token_id", "sep_token_id", "cls_token_id", "use_cache",
            "gradient_checkpointing", "chunk_size_feed_forward", "problem_type", "transformers_version",
            "torch_dtype", "dtype", "_name_or_path", "output_past", "return_dict", "output_hidden_states",
            "output_attentions", "finetuning_task", "tokenizer_class", "directionality", "pooler_fc_size",
            "pooler_num_attention_heads", "pooler_num_fc_layers", "pooler_size_per_head", "pooler_type");

    public BertConfig {
        HfConfigFields.requireProbability("hidden_dropout_prob", hiddenDropoutProb);
        HfConfigFields.requireProbability("attention_probs_dropout_prob", attentionProbsDropoutProb);
        HfConfigFields.requireProbability("classifier_dropout", classifierDropout);
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("num_hidden_layers", numHiddenLayers);
        requirePositive("num_attention_heads", numAttentionHeads);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("max_position_embeddings", maxPositionEmbeddings);
        requirePositive("type_vocab_size", typeVocabSize);
        requirePositive("layer_norm_eps", layerNormEps);
        requirePositive("num_labels", numLabels);
        if (!(initializerRange >= 0 && Float.isFinite(initializerRange)))
            throw new ConfigException("config.json: initializer_range must be >= 0, got " + initializerRange);
        if (hiddenSize % numAttentionHeads != 0)
            throw new ConfigException("config.json: num_attention_heads (" + numAttentionHeads
                    + ") does not divide hidden_size (" + hiddenSize + ")");
        if (!List.of("gelu", "gelu_new", "gelu_pytorch_tanh").contains(hiddenAct))
            throw new ConfigException("config.json: hidden_act = " + HfConfigFields.show(hiddenAct)
                    + " is not supported (gelu, gelu_new, gelu_pytorch_tanh)");
    }

    public static BertConfig fromHfJson(Map<String, Object> json) {
        HfConfigFields f = new HfConfigFields(json);
        for (String key : json.keySet())
            if (!KNOWN.contains(key))
                throw new ConfigException("config.json: field " + key + " is not a BERT config field Cortado knows;"
                        + " it may change the model, so loading stops");
        f.requireOneOf("model_type", "bert", "this is the BERT config reader", "bert");
        f.requireOneOf("position_embedding_type", "absolute", "only learned absolute positions", "absolute");
        f.requireOneOf("is_decoder", false, "BERT is loaded as a bidirectional encoder", false);
        f.requireOneOf("add_cross_attention", false, "no cross-attention", false);
        f.requireOneOf("tie_word_embeddings", true, "the MLM decoder is the word embedding", true);
        Map<String, Object> id2label = f.object("id2label");
        int labels = f.integer("num_labels", id2label == null ? 2 : id2label.size());
        if (id2label != null && id2label.size() != labels)
            throw new ConfigException("config.json: num_labels (" + labels + ") and id2label (" + id2label.size()
                    + " entries) disagree");
        String arch = null;
        if (f.raw("architectures") instanceof List<?> l && !l.isEmpty()) {
            if (l.size() != 1 || !(l.get(0) instanceof String s))
                throw new ConfigException("config.json: architectures must name one class, got " + l);
            arch = s;
        } else if (f.has("architectures") && !(f.raw("architectures") instanceof List<?>)) {
            throw new ConfigException("config.json: architectures must be a list, got " + HfConfigFields.show(f.raw("architectures")));
        }
        float hiddenDropout = f.number("hidden_dropout_prob", 0.1f);
        Float classifierDropout = f.raw("classifier_dropout") == null ? null : f.number("classifier_dropout", 0f);
        return new BertConfig(
                f.integer("vocab_size", 30522),
                f.integer("hidden_size", 768),
                f.integer("num_hidden_layers", 12),
                f.integer("num_attention_heads", 12),
                f.integer("intermediate_size", 3072),
                f.string("hidden_act", "gelu"),
                f.integer("max_position_embeddings", 512),
                f.integer("type_vocab_size", 2),
                f.number("layer_norm_eps", 1e-12f),
                labels,
                arch,
                hiddenDropout,
                f.number("attention_probs_dropout_prob", 0.1f),
                classifierDropout == null ? hiddenDropout : classifierDropout,
                f.number("initializer_range", DEFAULT_INITIALIZER_RANGE));
    }

    public int headDim() { return hiddenSize / numAttentionHeads; }
}
