package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.Tensor;

/**
 * y = x @ W^T for a frozen W [out, in] held by the backend in a fused-kernel format (16-bit, 4-bit, int8) and
 * x [..., in], recorded on the tape.
 *
 * <p>Forward: the backend's fused convert-and-multiply kernel ({@link cortado.tensor.Backend#quantizedMatmul}).
 * Backward: dX = dY @ W through the same decoder ({@link cortado.tensor.Backend#quantizedMatmulGradInput}); there is
 * no dW, the weight is frozen (QLoRA and LoRA on a 16-bit base train adapters around it), so only the input gradient
 * flows on to the trainable layers below.
 */
final class FrozenLinear implements GradFn {
    private final Tensor x;
    private final QuantizedWeight w;

    private FrozenLinear(Tensor x, QuantizedWeight w) {
        this.x = x;
        this.w = w;
    }

    static Tensor apply(Tensor x, QuantizedWeight w) {
        int in = w.cols();
        if (x.rank() < 1 || x.size(-1) != in)
            throw new IllegalArgumentException("frozen linear: input " + x + " does not end in " + in + " features");
        Tensor result = x.backend().quantizedMatmul(x, w);
        if (Autograd.shouldRecord(x)) Autograd.record(result, new FrozenLinear(x, w));
        return result;
    }

    @Override
    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] backward(Tensor g) {
        return new Tensor[] {g.backend().quantizedMatmulGradInput(g, w)};
    }

    @Override
    public String name() { return "FrozenLinear"; }
}
