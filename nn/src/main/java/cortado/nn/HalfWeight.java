package cortado.nn;

import cortado.tensor.Backend;
import cortado.tensor.DType;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.Tensor;

/**
 * A weight kept in 16 bits (BF16 or F16) as a checkpoint stored it: two bytes per weight in the backend's memory,
 * widened only inside the kernels. {@link #bits} reads them back unchanged, so saving writes the same bytes.
 */
public record HalfWeight(QuantizedWeight kernel, DType dtype) implements FrozenWeight {
    public HalfWeight {
        if (dtype != DType.BF16 && dtype != DType.F16)
            throw new IllegalArgumentException("a 16-bit weight is BF16 or F16, not " + dtype);
    }

    /** W [rows, cols] from its row-major bits (handed over to {@code backend}). */
    public static HalfWeight of(Backend backend, DType dtype, short[] bits, int rows, int cols) {
        return new HalfWeight(backend.weight16bit(dtype, bits, rows, cols), dtype);
    }

    /**
     * W [rows, cols] from fp32 values, each rounded to the nearest {@code dtype} value, ties to even (torch's
     * {@code .to(bfloat16)}, and what an in-place {@code w16 += delta32} stores).
     */
    public static HalfWeight rounded(Backend backend, DType dtype, Tensor w) {
        if (w.rank() != 2) throw new IllegalArgumentException("a 16-bit weight is a matrix, got " + w);
        float[] v = w.contiguous().toArray();
        short[] bits = new short[v.length];
        for (int i = 0; i < v.length; i++) bits[i] = dtype == DType.BF16 ? DType.f32ToBf16(v[i]) : DType.f32ToF16(v[i]);
        return of(backend, dtype, bits, w.size(0), w.size(1));
    }

    /** A fresh host copy of the bits, row-major. */
    public short[] bits() {
        short[] out = new short[Math.multiplyExact(rows(), cols())];
        kernel.backend().readHost16(kernel, (a, off, n) -> System.arraycopy(a, off, out, 0, n));
        return out;
    }
}
