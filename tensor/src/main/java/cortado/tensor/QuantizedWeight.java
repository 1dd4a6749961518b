package cortado.tensor;

/**
 * A frozen weight matrix W [rows, cols] (nn.Linear layout: rows = out features, cols = in features) that a backend
 * holds in a quantized format of its own (the CPU backend: the packed 4-bit and int8 matrices of
 * {@code cortado.tensor.cpu.quant}). Made by {@link Backend#quantized4bit} or {@link Backend#quantizedInt8}; used
 * only through {@link Backend#quantizedMatmul} and {@link Backend#quantizedMatmulGradInput}.
 */
public interface QuantizedWeight {
    /** Output features (rows of W). */
    int rows();

    /** Input features (columns of W). */
    int cols();

    /** The backend whose memory holds this weight. */
    Backend backend();
}
