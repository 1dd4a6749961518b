package cortado.quant.nn;

import cortado.autograd.NoGrad;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;
import cortado.tensor.QuantizedWeight;

/**
 * y = x @ W^T for a frozen quantized W [out, in] and x [..., in], recorded on the autograd tape.
 *
 * <p>Forward: the backend's fused dequantizing kernel ({@link cortado.tensor.Backend#quantizedMatmul}). Backward:
 * dX = dY @ W through the same decoder ({@link cortado.tensor.Backend#quantizedMatmulGradInput}); there is no dW, the
 * weight is frozen (QLoRA trains adapters around it), so only the input gradient flows on to the trainable layers below.
 */
final class QuantLinearOp implements GradFn {
    private final Tensor x;
    private final QuantizedWeight w;

    private QuantLinearOp(Tensor x, QuantizedWeight w) {
        this.x = x;
        this.w = w;
    }

    static Tensor apply(Tensor x, QuantizedWeight w) {
        int in = w.cols();
        if (x.rank() < 1 || x.size(-1) != in)
            throw new IllegalArgumentException("quantized linear: input " + x + " does not end in " + in + " features");
        Tensor result = x.backend().quantizedMatmul(x, w);
        if (!NoGrad.active() && x.requiresGrad()) {
            result.requiresGrad(true);
            result.setGradFn(new QuantLinearOp(x, w));
        }
        return result;
    }

    @Override
    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] backward(Tensor g) {
        return new Tensor[] {g.backend().quantizedMatmulGradInput(g, w)};
    }

    @Override
    public String name() { return "QuantLinear"; }
}
