package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Tensor;

/**
 * y = x W^T + b with W [out, in] frozen in a ggml block format ({@link GgmlWeight}) and b in fp32: the layer a
 * quantized GGUF file's projections become. Forward is the backend's fused decode-and-multiply kernel; backward gives
 * dL/dx only. {@code fromConv1D}: the layer stands for a GPT-2 Conv1D (GGUF stores those weights as [out, in]).
 */
public final class GgmlLinear extends Module implements Layer {
    private final GgmlWeight weight;
    private final Parameter bias;
    private final boolean fromConv1D;

    /** {@code bias} may be null; it must be [out] otherwise. */
    public GgmlLinear(GgmlWeight weight, Tensor bias, boolean fromConv1D) {
        this.weight = weight;
        this.fromConv1D = fromConv1D;
        if (bias != null && (bias.rank() != 1 || bias.size(0) != weight.rows()))
            throw new IllegalArgumentException("GgmlLinear bias must be [" + weight.rows() + "], got " + bias);
        this.bias = bias == null ? null : param("bias", bias);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = F.frozenLinear(x, weight.kernel());
        return bias == null ? y : F.add(y, bias.value());
    }

    public GgmlWeight weight() { return weight; }

    /** The bias, or null. */
    public Parameter bias() { return bias; }

    public boolean fromConv1D() { return fromConv1D; }

    public int inFeatures() { return weight.cols(); }

    public int outFeatures() { return weight.rows(); }
}
