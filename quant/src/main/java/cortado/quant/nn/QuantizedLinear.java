package cortado.quant.nn;

import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import cortado.tensor.QuantizedWeight;

/**
 * What {@link Linear4bit} and {@link Linear8bit} share: y = x W^T + b with W [out, in] frozen in a fused-kernel format
 * and b in fp32; backward gives dL/dx (and dL/db when the bias is trainable), never dL/dW. A layer that replaced a
 * GPT-2 {@code Conv1D} remembers it, so dequantizing writes the [in, out] layout back.
 */
public abstract class QuantizedLinear extends Module implements Layer {
    private final QuantizedWeight kernel;
    private final Parameter bias;
    private final boolean fromConv1D;

    /**
     * {@code bias} may be null; it must be [out] otherwise, and it trains only if it requires grad (so requantizing a
     * frozen PEFT base, or quantizing a base PEFT has frozen, leaves its bias frozen).
     */
    protected QuantizedLinear(QuantizedWeight kernel, Tensor bias, boolean fromConv1D) {
        this.kernel = kernel;
        this.fromConv1D = fromConv1D;
        if (bias != null && (bias.rank() != 1 || bias.size(0) != kernel.rows()))
            throw new IllegalArgumentException(getClass().getSimpleName() + " bias must be [" + kernel.rows()
                    + "], got " + bias);
        boolean trainable = bias != null && bias.requiresGrad();
        this.bias = bias == null ? null : param("bias", bias);
        if (bias != null) this.bias.setTrainable(trainable);   // a Parameter starts trainable; keep a frozen bias frozen
    }

    @Override
    public final Tensor forward(Tensor x) {
        Tensor y = F.frozenLinear(x, kernel);
        return bias == null ? y : F.add(y, bias.value());
    }

    /** The weight decoded to fp32, row-major [out, in]. */
    protected abstract float[] dequantizedValues();

    /** The bias, or null. */
    public final Parameter bias() { return bias; }

    public final boolean fromConv1D() { return fromConv1D; }

    public final int inFeatures() { return kernel.cols(); }

    public final int outFeatures() { return kernel.rows(); }

    /** The weight as the backend's fused kernel holds it. */
    public final QuantizedWeight kernel() { return kernel; }

    /**
     * Bytes this layer holds beyond the quantized format's codes and scales: the fused kernel's own copies (scales
     * de-nested or rescaled for it, its code book; the codes are shared with the stored weight) and code maps kept per
     * layer. QLoRA's bits-per-parameter leave these out; memory does not.
     */
    public abstract long bytesBeyondFormat();

    /** The weight decoded to fp32 in the kernel's layout [out, in], whichever layer it replaced. */
    public final Tensor decodedWeight() { return kernel.backend().fromArray(dequantizedValues(), kernel.rows(), kernel.cols()); }

    /**
     * The same kind of layer over a new weight W [out, in], quantized afresh exactly as this one was (format, block
     * size, double quantization; new scales from the new values), the bias tensor kept and the kernel on the same
     * backend: how bitsandbytes re-creates {@code Params4bit} / {@code Int8Params} from a merged fp32 weight with the
     * old weight's settings (peft's LoRA merge into bnb layers). The values round to the format's grid again.
     */
    public abstract QuantizedLinear requantized(Tensor weight);

    /** The fp32 weight in the layout of the layer it replaced ([out, in], or [in, out] for a Conv1D). */
    public final Tensor dequantizedWeight() {
        Tensor w = kernel.backend().fromArray(dequantizedValues(), kernel.rows(), kernel.cols());
        return fromConv1D ? w.transpose(0, 1).contiguous() : w;
    }
}
