package cortado.quant.nn;

import cortado.quant.BlockwiseQuantizer;
import cortado.quant.Quantized4bit;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.Tensor;

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
public final class Linear4bit extends QuantizedLinear {
    private final Quantized4bit weight;

    /** {@code bias} may be null. The weight's shape must be [out, in]. The kernel's weight lives in host memory. */
    public Linear4bit(Quantized4bit weight, Tensor bias, boolean fromConv1D) {
        this(weight, bias, fromConv1D, Backends.cpu());
    }

    /** As above, with the fused kernel's copy of the weight held by {@code backend}. */
    public Linear4bit(Quantized4bit weight, Tensor bias, boolean fromConv1D, Backend backend) {
        super(kernel(weight, backend), bias, fromConv1D);
        this.weight = weight;
    }

    static QuantizedWeight kernel(Quantized4bit weight, Backend backend) {
        int[] s = weight.shape();
        if (s.length != 2) throw new IllegalArgumentException("Linear4bit weight must be [out, in], got shape "
                + java.util.Arrays.toString(s));
        // Double quantization is de-nested once here: one fp32 per block (1/64 of the weights) is kept for the kernel.
        return backend.quantized4bit(weight.packed(), weight.blockAbsmax(), weight.type().codebook(), weight.blocksize(),
                s[0], s[1]);
    }

    /** The quantized weight as stored (packed codes, absmax or double-quant state). */
    public Quantized4bit weight() { return weight; }

    @Override
    protected float[] dequantizedValues() { return weight.dequantize(); }

    @Override
    public Linear4bit requantized(Tensor w) {
        if (!java.util.Arrays.equals(w.shape(), weight.shape()))
            throw new IllegalArgumentException("Linear4bit weight is " + java.util.Arrays.toString(weight.shape())
                    + ", got " + java.util.Arrays.toString(w.shape()));
        Quantized4bit q = BlockwiseQuantizer.quantize4bit(w.contiguous().toArray(), weight.shape(), weight.type(),
                weight.blocksize(), weight.isDoubleQuantized());
        return new Linear4bit(q, bias() == null ? null : bias().value(), fromConv1D(), kernel().backend());
    }

    /**
     * The kernel's code book (16 floats) and, under double quantization, its de-nested fp32 absmax (one per block) and
     * the stored weight's 256-entry nested code map.
     */
    @Override
    public long bytesBeyondFormat() {
        return 4L * 16 + (weight.isDoubleQuantized() ? 4L * weight.blocks() + 4L * weight.doubleQuant().nestedCode().length : 0);
    }
}
