package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Dropout;
import cortado.nn.Embedding;
import cortado.nn.Layer;
import cortado.nn.LayerNorm;
import cortado.nn.Module;
import cortado.nn.models.InputsEmbeds;
import cortado.tensor.Tensor;

/**
 * HF's {@code BertEmbeddings}: word + absolute position (0..T-1, the same for every row, padding included) + token
 * type embeddings, then LayerNorm and dropout (hidden_dropout_prob).
 */
public final class BertEmbeddings extends Module {
    private final int hidden, maxPositions, typeVocab;

    public BertEmbeddings(BertConfig c) {
        this.hidden = c.hiddenSize();
        this.maxPositions = c.maxPositionEmbeddings();
        this.typeVocab = c.typeVocabSize();
        child("word_embeddings", new Embedding(c.vocabSize(), c.hiddenSize()));
        child("position_embeddings", new Embedding(c.maxPositionEmbeddings(), c.hiddenSize()));
        child("token_type_embeddings", new Embedding(c.typeVocabSize(), c.hiddenSize()));
        child("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        child("dropout", new Dropout(c.hiddenDropoutProb()));
    }

    /** Rows {@code [B*T, C]}. */
    public Tensor forward(EncoderBatch in) { return forward(in, null); }

    /**
     * As {@link #forward(EncoderBatch)} with {@code inputsEmbeds} ({@code [B*T, C]} or {@code [B, T, C]}; null: look
     * up the batch's ids) in place of the word embeddings, as transformers' {@code BertEmbeddings.forward(inputs_embeds=...)}:
     * token type and position embeddings are still added, then LayerNorm and dropout.
     */
    public Tensor forward(EncoderBatch in, Tensor inputsEmbeds) {
        int b = in.batch(), t = in.seq();
        if (t > maxPositions)
            throw new IllegalArgumentException("sequence of " + t + " tokens exceeds max_position_embeddings (" + maxPositions + ")");
        int[] positions = new int[t];
        for (int i = 0; i < t; i++) positions[i] = i;
        int[] types = in.tokenTypeIds() == null ? new int[b * t] : in.tokenTypeIds();
        for (int type : types)
            if (type < 0 || type >= typeVocab)
                throw new IllegalArgumentException("token type " + type + " out of range (type_vocab_size " + typeVocab + ")");
        Tensor words;
        if (inputsEmbeds != null) {
            words = InputsEmbeds.rows(inputsEmbeds, b, t, hidden);
        } else {
            if (in.inputIds() == null) throw new IllegalArgumentException("the batch has no input_ids: pass inputs_embeds");
            Layer lookup = childAt("word_embeddings");
            words = lookup.forward(Embedding.ids(in.inputIds()));
        }
        Layer pos = childAt("position_embeddings"), tt = childAt("token_type_embeddings");
        Tensor x = F.add(words, tt.forward(Embedding.ids(types)));
        // [B, T, C] + [T, C]: positions broadcast over the batch
        x = F.reshape(F.add(F.reshape(x, b, t, hidden), pos.forward(Embedding.ids(positions))), b * t, hidden);
        Layer norm = childAt("LayerNorm"), dropout = childAt("dropout");
        return dropout.forward(norm.forward(x));
    }

    public Embedding wordEmbeddings() { return childAt("word_embeddings"); }
}
