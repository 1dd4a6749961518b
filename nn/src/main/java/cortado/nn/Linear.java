package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;

/**
 * y = x W^T + b with W stored {@code [out, in]}, exactly torch.nn.Linear (so Llama's {@code q_proj.weight} loads as is).
 * x is {@code [N, in]}: callers flatten batch and time into rows so each projection is one large matrix multiply.
 */
public final class Linear extends Module implements Layer {
    private final int in, out;
    private final Parameter weight, bias;

    public Linear(int in, int out, boolean bias) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear sizes must be positive: " + in + " -> " + out);
        this.in = in;
        this.out = out;
        this.weight = param("weight", Backends.cpu().zeros(out, in));
        this.bias = bias ? param("bias", Backends.cpu().zeros(out)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.linear(x, weight.value(), bias == null ? null : bias.value());
    }

    /** gelu(x W^T + b), bias and GELU fused. */
    @Override
    public Tensor forwardGelu(Tensor x) { return F.linearGelu(x, weight.value(), bias == null ? null : bias.value()); }

    public Parameter weight() { return weight; }

    /** The bias, or null when the layer has none. */
    public Parameter bias() { return bias; }

    public int inFeatures() { return in; }

    public int outFeatures() { return out; }
}
