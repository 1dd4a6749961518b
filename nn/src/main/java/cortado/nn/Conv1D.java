package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;

/**
 * GPT-2's projection as Hugging Face names it ({@code transformers.pytorch_utils.Conv1D}): despite the name a plain
 * affine map, but with the weight stored {@code [in, out]}, transposed relative to {@link Linear}. y = x W + b, so
 * OpenAI's and Hugging Face's GPT-2 checkpoints load without transposing.
 */
public final class Conv1D extends Module implements Layer {
    private final int in, out;
    private final Parameter weight, bias;

    public Conv1D(int in, int out) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Conv1D sizes must be positive: " + in + " -> " + out);
        this.in = in;
        this.out = out;
        this.weight = param("weight", Backends.cpu().zeros(in, out));
        this.bias = param("bias", Backends.cpu().zeros(out));
    }

    /** x {@code [N, in]} -> {@code [N, out]}. */
    @Override
    public Tensor forward(Tensor x) {
        return F.affine(x, weight.value(), bias.value());
    }

    /** gelu(x W + b), bias and GELU fused. */
    @Override
    public Tensor forwardGelu(Tensor x) { return F.affineGelu(x, weight.value(), bias.value()); }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    public int inFeatures() { return in; }

    public int outFeatures() { return out; }
}
