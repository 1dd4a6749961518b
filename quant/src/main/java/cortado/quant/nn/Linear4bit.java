package cortado.quant.nn;

import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.quant.Quantized4bit;
import cortado.tensor.Tensor;
import cortado.tensor.cpu.quant.Packed4bit;

/**
 * bitsandbytes' {@code Linear4bit}: y = x W^T + b with W [out, in] frozen in 4 bits (NF4 or FP4, optionally double
 * quantized) and b in fp32. The forward pass runs the fused dequantizing kernel; backward gives dL/dx (and dL/db when
 * the bias is trainable), never dL/dW.
 *
 * <p>A GPT-2 {@code Conv1D} (weight [in, out]) is quantized the way transformers does it: the weight is transposed to
 * the Linear layout before quantizing, so the stored 4-bit tensor has quant_state shape [out, in] (transformers'
 * bnb quantizer transposes when the module's source class is Conv1D). {@link #fromConv1D()} remembers this so
 * dequantizing writes [in, out] back.
 */
public final class Linear4bit extends Module implements Layer {
    private final Quantized4bit weight;
    private final Packed4bit kernel;
    private final Parameter bias;
    private final boolean fromConv1D;

    /** {@code bias} may be null. The weight's shape must be [out, in]. */
    public Linear4bit(Quantized4bit weight, Tensor bias, boolean fromConv1D) {
        int[] s = weight.shape();
        if (s.length != 2) throw new IllegalArgumentException("Linear4bit weight must be [out, in], got shape "
                + java.util.Arrays.toString(s));
        this.weight = weight;
        // Double quantization is de-nested once here: one fp32 per block (1/64 of the weights) is kept for the kernel.
        this.kernel = new Packed4bit(weight.packed(), weight.blockAbsmax(), weight.type().codebook(),
                weight.blocksize(), s[0], s[1]);
        this.fromConv1D = fromConv1D;
        if (bias != null && (bias.rank() != 1 || bias.size(0) != s[0]))
            throw new IllegalArgumentException("Linear4bit bias must be [" + s[0] + "], got " + bias);
        this.bias = bias == null ? null : param("bias", bias);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = QuantLinearOp.apply(x, kernel);
        return bias == null ? y : F.add(y, bias.value());
    }

    /** The quantized weight as stored (packed codes, absmax or double-quant state). */
    public Quantized4bit weight() { return weight; }

    /** The bias, or null. */
    public Parameter bias() { return bias; }

    public boolean fromConv1D() { return fromConv1D; }

    public int inFeatures() { return kernel.cols(); }

    public int outFeatures() { return kernel.rows(); }

    /** The fp32 weight in the layout of the layer it replaced ([out, in], or [in, out] for a Conv1D). */
    public Tensor dequantizedWeight() {
        Tensor w = Tensor.of(weight.dequantize(), kernel.rows(), kernel.cols());
        return fromConv1D ? w.transpose(0, 1).contiguous() : w;
    }
}
