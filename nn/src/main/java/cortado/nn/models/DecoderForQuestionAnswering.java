package cortado.nn.models;

import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;

/**
 * A decoder with extractive-QA span logits, as transformers' {@code GPT2ForQuestionAnswering} and
 * {@code LlamaForQuestionAnswering} (the Llama family's {@code GenericForQuestionAnswering}): the trunk's hidden rows
 * after the final norm, then {@code qa_outputs} (hidden -> 2, with bias) split into start and end logits. Both
 * classes name the trunk {@code transformer} (the generic class's base_model_prefix), so a Llama trunk's
 * {@code model.*} parameters are registered here as {@code transformer.*}; the LM head is left out.
 */
public final class DecoderForQuestionAnswering extends Module {
    private final DecoderLm lm;

    public DecoderForQuestionAnswering(DecoderLm lm) {
        this.lm = lm;
        for (var e : lm.children().entrySet())
            if (!e.getKey().equals("lm_head")) child(e.getKey().equals("model") ? "transformer" : e.getKey(), e.getValue());
        child("qa_outputs", new Linear(lm.hiddenSize(), 2, true));
    }

    public DecoderLm decoder() { return lm; }

    /** Start and end logits {@code [B, T]} each. */
    public SpanLogits forward(int[] ids, int batch, int seq) {
        lm.checkIds(ids, batch, seq);
        Layer qa = childAt("qa_outputs");
        return SpanLogits.split(qa.forward(lm.hidden(ids, batch, seq, null)), batch, seq);
    }
}
