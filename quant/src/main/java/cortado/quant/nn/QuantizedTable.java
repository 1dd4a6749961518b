package cortado.quant.nn;

import cortado.nn.FrozenWeight;
import cortado.quant.Quantized4bit;
import cortado.quant.Quantized8bit;
import cortado.tensor.Backend;
import cortado.tensor.QuantizedWeight;

/**
 * A token-embedding table quantized like a {@link Linear4bit} or {@link Linear8bit} weight ({@code quantize
 * --include-embeddings}, as llama.cpp quantizes token_embd; bitsandbytes leaves it fp32): the flattened [V, C] table
 * in 4-bit blocks or int8 rows. Lookups decode only the rows asked for; a tied head multiplies by it through the fused
 * kernel. Exactly one of {@code fourBit} and {@code int8} is set: the stored form, written back as is.
 */
public record QuantizedTable(Quantized4bit fourBit, Quantized8bit int8, QuantizedWeight kernel) implements FrozenWeight {
    public QuantizedTable {
        if ((fourBit == null) == (int8 == null))
            throw new IllegalArgumentException("a quantized table is either 4-bit or int8");
    }

    public static QuantizedTable of(Quantized4bit q, Backend backend) {
        return new QuantizedTable(q, null, Linear4bit.kernel(q, backend));
    }

    public static QuantizedTable of(Quantized8bit q, Backend backend) {
        return new QuantizedTable(null, q, Linear8bit.kernel(q, backend));
    }

    /** [V, C] as stored. */
    public int[] shape() { return fourBit != null ? fourBit.shape() : int8.shape(); }

    /** The table decoded to fp32, row-major. */
    public float[] dequantize() { return fourBit != null ? fourBit.dequantize() : int8.dequantize(); }
}
