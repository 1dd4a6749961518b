package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * out = act(y + (s h) @ W^T): a low-rank update added onto a layer's output, with an optional GELU (tanh form) after
 * the sum. y [..., out] is the base layer's output, h [..., r] the down-projected input, W [out, r], s a constant;
 * LoRA's {@code base(x) + scaling * lora_B(lora_A(x))} (Hu et al. 2021) with lora_B's product, the scaling and the
 * addition in one op.
 *
 * <p>Why fused: the unfused form keeps four [N, out] tensors per adapted layer until backward (the base output, B's
 * output, its scaled copy and the sum) and runs three extra passes over them; here s scales the [N, r] factor, the
 * product lands in the one output buffer and y is added into it, so one [N, out] tensor is made (two with GELU, which
 * keeps its input as the fused projection does).
 *
 * <p>Backward, with dz = dOut (or dOut * gelu'(z)): dy = dz, dh = s (dz W), dW = dz^T (s h).
 */
final class AddLinear implements GradFn {
    private final Tensor y, h, weight;
    private final Tensor hs;      // s h as [N, r], saved for dW
    private final float scale;
    private final Tensor preGelu; // z = y + hs W^T when GELU follows; else null

    private AddLinear(Tensor y, Tensor h, Tensor weight, Tensor hs, float scale, Tensor preGelu) {
        this.y = y;
        this.h = h;
        this.weight = weight;
        this.hs = hs;
        this.scale = scale;
        this.preGelu = preGelu;
    }

    static Tensor apply(Tensor y, Tensor h, Tensor weight, float scale, boolean gelu) {
        if (weight.rank() != 2)
            throw new IllegalArgumentException("addLinear weight must be [out, r], got " + weight);
        int outF = weight.size(0), r = weight.size(1);
        if (h.rank() < 1 || h.size(-1) != r)
            throw new IllegalArgumentException("addLinear: input " + h + " does not end in " + r + " features of " + weight);
        if (y.rank() != h.rank() || y.size(-1) != outF || y.numel() / outF != h.numel() / r)
            throw new IllegalArgumentException("addLinear: base output " + y + " does not match " + h + " and " + weight);
        Backend be = y.backend();
        Tensor h2 = h.reshape(-1, r);
        Tensor hs = be.scale(h2, scale);
        Tensor z = be.matmul(hs, weight, false, true); // a new [N, out] tensor of this op's own
        be.axpyInPlace(z, 1f, y.reshape(-1, outF));
        Tensor out2 = gelu ? be.biasGelu(z, null) : z;
        Tensor out = out2.reshape(y.shape());
        if (Autograd.shouldRecord(y, h, weight))
            Autograd.record(out, new AddLinear(y, h, weight, hs, scale, gelu ? z : null));
        else Autograd.releaseNow(hs);
        return out;
    }

    @Override
    public Tensor[] inputs() { return new Tensor[] {y, h, weight}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        int outF = weight.size(0);
        Tensor dz = g.reshape(-1, outF);
        if (preGelu != null) {
            dz = be.biasGeluBackward(dz, preGelu, null).dz();
            Autograd.releaseNow(preGelu); // this op's own buffer, read for the last time
        }
        // Both products have r (e.g. 16) columns: sgemm's narrow path reads dz once, in place.
        Tensor dh = null, dw = null;
        if (h.requiresGrad()) {
            dh = be.matmul(dz, weight, false, false);
            be.scaleInPlace(dh, scale);
            dh = dh.reshape(h.shape());
        }
        if (weight.requiresGrad()) dw = be.matmul(dz, hs, true, false); // dz^T (s h)
        Autograd.releaseNow(hs);
        Tensor dy = y.requiresGrad() ? dz.reshape(y.shape()) : null;
        return new Tensor[] {dy, dh, dw};
    }

    @Override public String name() { return preGelu != null ? "AddLinearGelu" : "AddLinear"; }
}
