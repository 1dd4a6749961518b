package cortado.quant.nn;

import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.quant.Quantized8bit;
import cortado.tensor.Tensor;
import cortado.tensor.cpu.quant.PackedInt8;

/**
 * bitsandbytes' {@code Linear8bitLt} weight storage: W [out, in] as LLM.int8 row-wise int8 (one absmax per output
 * row, bitsandbytes' SCB), b in fp32. Forward through the fused int8 kernel (W = q * absmax/127 decoded in registers);
 * backward gives dL/dx only. The outlier decomposition of LLM.int8 (fp16 columns above a threshold) is not done: the
 * activations stay fp32 here, so there is no int8 activation quantization for outliers to escape from.
 */
public final class Linear8bit extends Module implements Layer {
    private final Quantized8bit weight;
    private final PackedInt8 kernel;
    private final Parameter bias;
    private final boolean fromConv1D;

    public Linear8bit(Quantized8bit weight, Tensor bias, boolean fromConv1D) {
        int[] s = weight.shape();
        if (s.length != 2 || weight.scheme() != Quantized8bit.Scheme.ROWWISE_INT8 || weight.blocksize() != s[1])
            throw new IllegalArgumentException("Linear8bit needs a row-wise int8 weight [out, in], got "
                    + weight.scheme() + " shape " + java.util.Arrays.toString(s));
        this.weight = weight;
        float[] scale = new float[weight.scales().length];
        for (int i = 0; i < scale.length; i++) scale[i] = weight.scales()[i] / 127f;
        this.kernel = new PackedInt8(weight.codes(), scale, s[1], s[0], s[1]);
        this.fromConv1D = fromConv1D;
        if (bias != null && (bias.rank() != 1 || bias.size(0) != s[0]))
            throw new IllegalArgumentException("Linear8bit bias must be [" + s[0] + "], got " + bias);
        this.bias = bias == null ? null : param("bias", bias);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = QuantLinearOp.apply(x, kernel);
        return bias == null ? y : F.add(y, bias.value());
    }

    public Quantized8bit weight() { return weight; }

    public Parameter bias() { return bias; }

    public boolean fromConv1D() { return fromConv1D; }

    public int inFeatures() { return kernel.cols(); }

    public int outFeatures() { return kernel.rows(); }

    public Tensor dequantizedWeight() {
        Tensor w = Tensor.of(weight.dequantize(), kernel.rows(), kernel.cols());
        return fromConv1D ? w.transpose(0, 1).contiguous() : w;
    }
}
