package cortado.nn;

import cortado.tensor.Backend;
import cortado.tensor.DType;
import cortado.tensor.QuantizedWeight;

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

    /** A fresh host copy of the bits, row-major. */
    public short[] bits() {
        short[] out = new short[Math.multiplyExact(rows(), cols())];
        kernel.backend().readHost16(kernel, (a, off, n) -> System.arraycopy(a, off, out, 0, n));
        return out;
    }
}
