package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * The affine map of a projection layer, with its bias and an optional GELU fused in: y = act(x @ W^T + b) for
 * nn.Linear's weight layout [out, in], or y = act(x @ W + b) for GPT-2's Conv1D layout [in, out]; b [out] or absent;
 * act the identity or GELU (tanh form).
 *
 * <p>The leading dimensions are folded into rows, so the forward pass is one [N, in] product (a view, no copy, for a
 * contiguous x) whose result receives the bias in place; with GELU the fused kernel reads the product z once and
 * writes gelu(z + b), keeping z for backward. Backward: dZ = dY (or dY * gelu'(z + b), summed into db in the same
 * pass), dX = dZ W ([N,out] x [out,in]), dW = dZ^T X (Linear) or X^T dZ (Conv1D), db = column sums of dZ.
 */
final class Linear implements GradFn {
    private final Tensor x, weight, bias;
    private final Tensor x2;        // x as [N, in] rows, for dW; null when the weight is frozen
    private final boolean inOut;    // weight stored [in, out] (Conv1D)
    private final Tensor preGelu;   // z = x W, without the bias, when GELU is fused; else null

    private Linear(Tensor x, Tensor weight, Tensor bias, Tensor x2, boolean inOut, Tensor preGelu) {
        this.x = x;
        this.weight = weight;
        this.bias = bias;
        this.x2 = x2;
        this.inOut = inOut;
        this.preGelu = preGelu;
    }

    static Tensor apply(Tensor x, Tensor weight, Tensor bias) { return apply(x, weight, bias, false, false); }

    /** @param inOut weight stored [in, out]; @param gelu apply GELU to the affine map (fused with the bias) */
    static Tensor apply(Tensor x, Tensor weight, Tensor bias, boolean inOut, boolean gelu) {
        if (weight.rank() != 2)
            throw new IllegalArgumentException("linear weight must be " + (inOut ? "[in, out]" : "[out, in]") + ", got "
                    + weight);
        int in = weight.size(inOut ? 0 : 1), outF = weight.size(inOut ? 1 : 0);
        if (x.rank() < 1 || x.size(-1) != in)
            throw new IllegalArgumentException("linear: input " + x + " does not end in " + in + " features of " + weight);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != outF))
            throw new IllegalArgumentException("linear bias must be [" + outF + "], got " + bias);
        Backend be = x.backend();
        Tensor x2 = x.reshape(-1, in);
        Tensor z = be.matmul(x2, weight, false, !inOut); // a new tensor of this op's own
        Tensor y2;
        if (gelu) y2 = be.biasGelu(z, bias);
        else {
            if (bias != null) be.addRowsInPlace(z, bias);
            y2 = z;
        }
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = outF;
        Tensor y = y2.reshape(outShape);
        if (Autograd.shouldRecord(x, weight, bias))
            // A frozen weight (a LoRA base) needs no dW, so x is not kept for it: dX needs only W and dZ.
            Autograd.record(y, new Linear(x, weight, bias, weight.requiresGrad() ? x2.detach() : null, inOut,
                    gelu ? z : null));
        return y;
    }

    @Override
    public Tensor[] inputs() { return bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        Tensor g2 = g.reshape(-1, inOut ? weight.size(1) : weight.size(0));
        Tensor db = null;
        if (preGelu != null) {
            Backend.BiasGeluGrads d = be.biasGeluBackward(g2, preGelu, bias);
            g2 = d.dz();
            db = d.dbias();
            Autograd.releaseNow(preGelu); // this op's own buffer, read for the last time
        } else if (bias != null && bias.requiresGrad()) db = be.sum(g2, 0, false);
        Tensor dx = x.requiresGrad() ? be.matmul(g2, weight, false, inOut).reshape(x.shape()) : null;
        Tensor dw = x2 == null || !weight.requiresGrad() ? null : inOut ? be.matmul(x2, g2, true, false) : be.matmul(g2, x2, true, false);
        if (bias == null) return new Tensor[] {dx, dw};
        return new Tensor[] {dx, dw, bias.requiresGrad() ? db : null};
    }

    @Override public String name() { return preGelu != null ? "LinearGelu" : "Linear"; }
}
