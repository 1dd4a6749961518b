package cortado.quant.nn;

import cortado.quant.Int8RowQuantizer;
import cortado.quant.Quantized8bit;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.Tensor;

/**
 * bitsandbytes' {@code Linear8bitLt} weight storage: W [out, in] as LLM.int8 row-wise int8 (one absmax per output
 * row, bitsandbytes' SCB), b in fp32. Forward through the fused int8 kernel (W = q * absmax/127 decoded in registers);
 * backward gives dL/dx only. The outlier decomposition of LLM.int8 (fp16 columns above a threshold) is not done: the
 * activations stay fp32 here, so there is no int8 activation quantization for outliers to escape from.
 */
public final class Linear8bit extends QuantizedLinear {
    private final Quantized8bit weight;

    /** {@code bias} may be null. The kernel's weight lives in host memory. */
    public Linear8bit(Quantized8bit weight, Tensor bias, boolean fromConv1D) {
        this(weight, bias, fromConv1D, Backends.cpu());
    }

    /** As above, with the fused kernel's copy of the weight held by {@code backend}. */
    public Linear8bit(Quantized8bit weight, Tensor bias, boolean fromConv1D, Backend backend) {
        super(kernel(weight, backend), bias, fromConv1D);
        this.weight = weight;
    }

    static QuantizedWeight kernel(Quantized8bit weight, Backend backend) {
        int[] s = weight.shape();
        if (s.length != 2 || weight.scheme() != Quantized8bit.Scheme.ROWWISE_INT8 || weight.blocksize() != s[1])
            throw new IllegalArgumentException("Linear8bit needs a row-wise int8 weight [out, in], got "
                    + weight.scheme() + " shape " + java.util.Arrays.toString(s));
        float[] scale = new float[weight.scales().length];
        for (int i = 0; i < scale.length; i++) scale[i] = weight.scales()[i] / 127f;
        return backend.quantizedInt8(weight.codes(), scale, s[1], s[0], s[1]);
    }

    public Quantized8bit weight() { return weight; }

    @Override
    protected float[] dequantizedValues() { return weight.dequantize(); }

    @Override
    public Linear8bit requantized(Tensor w) {
        if (!java.util.Arrays.equals(w.shape(), weight.shape()))
            throw new IllegalArgumentException("Linear8bit weight is " + java.util.Arrays.toString(weight.shape())
                    + ", got " + java.util.Arrays.toString(w.shape()));
        Quantized8bit q = Int8RowQuantizer.quantize(w.contiguous().toArray(), weight.shape());
        return new Linear8bit(q, bias() == null ? null : bias().value(), fromConv1D(), kernel().backend());
    }

    /** The kernel's row scales absmax / 127, one fp32 per row. */
    @Override
    public long bytesBeyondFormat() { return 4L * weight.scales().length; }
}
