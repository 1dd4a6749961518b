package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Tensor;

/**
 * y = x W^T + b with W [out, in] frozen in 16 bits ({@link HalfWeight}) and b in fp32: the layer a bf16 or f16
 * checkpoint's projections become for inference and as a frozen base. The forward pass is the backend's fused
 * convert-and-multiply kernel; backward gives dL/dx (and dL/db when the bias is trainable), never dL/dW. A layer that
 * replaced a GPT-2 {@code Conv1D} holds W transposed to [out, in] and remembers it, so saving writes [in, out] back.
 */
public final class Linear16bit extends Module implements Layer {
    private final HalfWeight weight;
    private final Parameter bias;
    private final boolean fromConv1D;

    /** {@code bias} may be null; it must be [out] otherwise. */
    public Linear16bit(HalfWeight weight, Tensor bias, boolean fromConv1D) {
        this.weight = weight;
        this.fromConv1D = fromConv1D;
        if (bias != null && (bias.rank() != 1 || bias.size(0) != weight.rows()))
            throw new IllegalArgumentException("Linear16bit bias must be [" + weight.rows() + "], got " + bias);
        this.bias = bias == null ? null : param("bias", bias);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = F.frozenLinear(x, weight.kernel());
        return bias == null ? y : F.add(y, bias.value());
    }

    public HalfWeight weight() { return weight; }

    /** W decoded to fp32, [out, in] (the backend's 16-bit lookup over every row). */
    public Tensor decodedWeight() {
        int[] rows = new int[weight.rows()];
        for (int i = 0; i < rows.length; i++) rows[i] = i;
        return weight.kernel().backend().quantizedEmbedding(weight.kernel(), rows);
    }

    /**
     * The same layer over a new weight W [out, in], stored in this layer's 16-bit type rounded to nearest even
     * ({@link HalfWeight#rounded}), the bias tensor kept: merging into a 16-bit base keeps it 16-bit.
     */
    public Linear16bit withWeight(Tensor w) {
        if (w.rank() != 2 || w.size(0) != weight.rows() || w.size(1) != weight.cols())
            throw new IllegalArgumentException("Linear16bit weight is [" + weight.rows() + ", " + weight.cols()
                    + "], got " + w);
        return new Linear16bit(HalfWeight.rounded(weight.kernel().backend(), weight.dtype(), w),
                bias == null ? null : bias.value(), fromConv1D);
    }

    /** The bias, or null. */
    public Parameter bias() { return bias; }

    public boolean fromConv1D() { return fromConv1D; }

    public int inFeatures() { return weight.cols(); }

    public int outFeatures() { return weight.rows(); }
}
