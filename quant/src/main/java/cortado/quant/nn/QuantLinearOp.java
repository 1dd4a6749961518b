package cortado.quant.nn;

import cortado.autograd.NoGrad;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;
import cortado.tensor.cpu.quant.QuantMatmul;
import cortado.tensor.cpu.quant.QuantizedMatrix;

/**
 * y = x @ W^T for a frozen quantized W [out, in] and x [..., in], recorded on the autograd tape.
 *
 * <p>Forward: the fused dequantizing kernel ({@link QuantMatmul#matmul}). Backward: dX = dY @ W through the same
 * decoder ({@link QuantMatmul#matmulGradInput}); there is no dW, the weight is frozen (QLoRA trains adapters around it),
 * so only the input gradient flows on to the trainable layers below.
 */
final class QuantLinearOp implements GradFn {
    private final Tensor x;
    private final QuantizedMatrix w;

    private QuantLinearOp(Tensor x, QuantizedMatrix w) {
        this.x = x;
        this.w = w;
    }

    static Tensor apply(Tensor x, QuantizedMatrix w) {
        int in = w.cols(), out = w.rows();
        if (x.rank() < 1 || x.size(-1) != in)
            throw new IllegalArgumentException("quantized linear: input " + x + " does not end in " + in + " features");
        Tensor xc = x.contiguous();
        int rows = xc.numel() / in;
        float[] y = new float[rows * out];
        QuantMatmul.matmul(w, xc.data(), xc.offset(), rows, y, 0);
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor result = Tensor.of(y, shape);
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
        Tensor gc = g.contiguous();
        int rows = gc.numel() / w.rows();
        float[] dx = new float[rows * w.cols()];
        QuantMatmul.matmulGradInput(w, gc.data(), gc.offset(), rows, dx, 0);
        return new Tensor[] {Tensor.of(dx, x.shape())};
    }

    @Override
    public String name() { return "QuantLinear"; }
}
