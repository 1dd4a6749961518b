package cortado.nn;

import cortado.tensor.GgmlType;
import cortado.tensor.QuantizedWeight;

/**
 * A weight kept in one of ggml's block formats (Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K) exactly as a GGUF file stored it, decoded only
 * inside the backend's kernels ({@link cortado.tensor.Backend#quantizedGgml}).
 */
public record GgmlWeight(QuantizedWeight kernel, GgmlType type) implements FrozenWeight {}
