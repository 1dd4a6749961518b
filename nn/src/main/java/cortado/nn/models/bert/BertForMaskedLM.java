package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Embedding;
import cortado.nn.LayerNorm;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;

/**
 * HF's {@code BertForMaskedLM}: {@code bert} (no pooler) and {@code cls.predictions}: transform (dense, GELU,
 * LayerNorm), then the decoder, whose weight is the word embedding (tied, so it is not a parameter of its own) plus the
 * output bias {@code cls.predictions.bias}.
 */
public final class BertForMaskedLM extends Module {
    private final BertConfig config;
    /** The decoder's weight: the word embedding's parameter, tied as transformers ties it (wrapping the module keeps it). */
    private final Parameter wordEmbedding;

    public BertForMaskedLM(BertConfig c) {
        this.config = c;
        BertModel bert = child("bert", new BertModel(c, false));
        child("cls", new OnlyMlmHead(c));
        this.wordEmbedding = ((Embedding) bert.get("embeddings.word_embeddings")).weight();
        seedDropout(0);
    }

    /** Logits {@code [B, T, V]}. */
    public Tensor forward(EncoderBatch in) { return forward(in, null); }

    /** As {@link #forward(EncoderBatch)} from inputs_embeds ({@link BertModel#forward(EncoderBatch, Tensor)}). */
    public Tensor forward(EncoderBatch in, Tensor inputsEmbeds) {
        BertModel bert = childAt("bert");
        Tensor h = F.reshape(bert.forward(in, inputsEmbeds).lastHiddenState(), in.batch() * in.seq(), config.hiddenSize());
        OnlyMlmHead head = childAt("cls");
        Tensor words = wordEmbedding.value();
        return F.reshape(head.predictions().forward(h, words), in.batch(), in.seq(), config.vocabSize());
    }

    public BertModel bert() { return childAt("bert"); }

    public BertConfig config() { return config; }

    /** HF's {@code BertOnlyMLMHead}: holds {@code predictions}. */
    static final class OnlyMlmHead extends Module {
        OnlyMlmHead(BertConfig c) { child("predictions", new PredictionHead(c)); }

        PredictionHead predictions() { return childAt("predictions"); }
    }

    /** HF's {@code BertLMPredictionHead}: {@code transform} then logits = h E^T + bias with the tied embedding E. */
    static final class PredictionHead extends Module {
        private final Parameter bias;

        PredictionHead(BertConfig c) {
            child("transform", new Transform(c));
            bias = param("bias", Backends.cpu().zeros(c.vocabSize()));
        }

        Tensor forward(Tensor h, Tensor wordEmbedding) {
            Transform t = childAt("transform");
            return F.linear(t.forward(h), wordEmbedding, bias.value());
        }
    }

    /** HF's {@code BertPredictionHeadTransform}: LayerNorm(act(dense(h))). */
    static final class Transform extends Module {
        private final boolean exactGelu;

        Transform(BertConfig c) {
            exactGelu = c.hiddenAct().equals("gelu");
            child("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true));
            child("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        Tensor forward(Tensor h) {
            Layer dense = childAt("dense"), norm = childAt("LayerNorm");
            Tensor u = dense.forward(h);
            return norm.forward(exactGelu ? F.geluErf(u) : F.gelu(u));
        }
    }
}
