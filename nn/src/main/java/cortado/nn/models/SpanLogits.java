package cortado.nn.models;

import cortado.autograd.F;
import cortado.tensor.Tensor;

/**
 * The start and end logits of extractive question answering, {@code [B, T]} each, and transformers' loss on them:
 * {@code (CE(start_logits, start) + CE(end_logits, end)) / 2}, where positions outside the sequence are clamped to
 * T and ignored (the {@code ignored_index} of {@code BertForQuestionAnswering.forward}, for answers truncated away).
 */
public record SpanLogits(Tensor start, Tensor end) {
    /** From {@code qa_outputs}' {@code [B*T, 2]}: column 0 the start logits, column 1 the end logits. */
    public static SpanLogits split(Tensor twoPerPosition, int batch, int seq) {
        Tensor start = F.reshape(F.slice(twoPerPosition, 1, 0, 1), batch, seq);
        Tensor end = F.reshape(F.slice(twoPerPosition, 1, 1, 2), batch, seq);
        return new SpanLogits(start, end);
    }

    /** transformers' QA loss for gold token positions {@code [B]} each (any int; outside [0, T) is not scored). */
    public Tensor loss(int[] startPositions, int[] endPositions) {
        int seq = start.size(1);
        Tensor s = F.crossEntropy(start, clamped(startPositions, seq), seq);
        Tensor e = F.crossEntropy(end, clamped(endPositions, seq), seq);
        return F.scale(F.add(s, e), 0.5f);
    }

    /** {@code clamp(0, T)}: a negative position scores 0 (as torch clamps it), one past the end is ignored. */
    private static int[] clamped(int[] positions, int seq) {
        int[] out = new int[positions.length];
        for (int i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(seq, positions[i]));
        return out;
    }
}
