package cortado.nn.embed;

import cortado.autograd.F;
import cortado.tensor.Tensor;

/** sentence-transformers' {@code Normalize}: x / max(||x||_2, 1e-12) per row, as torch.nn.functional.normalize. */
public record Normalize() implements EmbeddingStep {
    @Override
    public Tensor apply(Tensor x) {
        float[] sq = F.sum(F.mul(x, x), 1, false).toArray();
        float[] inv = new float[sq.length];
        for (int i = 0; i < sq.length; i++) inv[i] = (float) (1 / Math.max(Math.sqrt(sq[i]), 1e-12));
        return F.mul(x, x.backend().fromArray(inv, sq.length, 1));
    }
}
