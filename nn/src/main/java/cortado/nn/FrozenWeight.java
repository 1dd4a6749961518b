package cortado.nn;

import cortado.tensor.QuantizedWeight;

/**
 * A frozen weight matrix [rows, cols] that a layer computes with through the backend's fused kernels instead of an
 * fp32 parameter: 16-bit ({@link HalfWeight}) or, from the quant module, 4-bit and int8. {@link #kernel} is what the
 * products and lookups take; an implementation also keeps what is needed to write the weight back as it was stored.
 */
public interface FrozenWeight {
    /** The weight as the backend's kernels hold it. */
    QuantizedWeight kernel();

    default int rows() { return kernel().rows(); }

    default int cols() { return kernel().cols(); }
}
