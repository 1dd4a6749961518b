package cortado.peft.lora;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.tensor.Tensor;

/**
 * DoRA's formulas (Liu et al. 2024, "DoRA: Weight-Decomposed Low-Rank Adaptation"), as peft 0.21's
 * {@code DoraLinearLayer}: the adapted weight is {@code m · (W + s·BA) / ||W + s·BA||_row}, m a trainable vector with
 * one entry per output feature. The row norm is treated as a constant (detached: the paper's §4.3, "we suggest
 * treating ||V + ΔV||_c as a constant ... it won't receive any gradient").
 */
final class Dora {
    private Dora() {}

    /**
     * {@code ||W + s·BA||} over each output row, {@code [out]}, detached. {@code w} is {@code [out, in]} (a Conv1D's
     * weight transposed, a quantized one dequantized), {@code ba} is {@code B A} {@code [out, in]} (PEFT's
     * {@code get_weight_norm}, {@code torch.linalg.norm(weight, dim=1)}).
     */
    static Tensor rowNorms(Tensor w, Tensor ba, double s) {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor v = F.add(w, F.scale(ba, (float) s));
            float[] sq = F.sum(F.mul(v, v), 1, false).toArray();
            for (int i = 0; i < sq.length; i++) sq[i] = (float) Math.sqrt(sq[i]);
            return w.backend().fromArray(sq, sq.length);
        }
    }

    /**
     * What DoRA adds on top of the base output (PEFT's {@code DoraLinearLayer.forward}):
     * {@code (m/n - 1) · baseResult + (m/n) · lora · s} with {@code baseResult = W x} without bias and
     * {@code lora = B A x}; gradients reach m, A and B (through lora), and x, but not the norm n.
     */
    static Tensor term(Tensor baseResult, Tensor lora, Tensor magnitude, Tensor norm, double s) {
        Tensor scale = F.div(magnitude, norm);
        return F.add(F.mul(F.addScalar(scale, -1f), baseResult), F.scale(F.mul(scale, lora), (float) s));
    }
}
