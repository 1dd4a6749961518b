package cortado.nn.io.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Backends;
import cortado.tensor.GgmlQuantizer;
import cortado.tensor.GgmlType;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * ggml's block formats against llama.cpp's own bytes (golden/gguf/blocks.gguf, tools/golden/gguf/make_gguf_golden.py):
 * four rows of 512 values as llama-quantize --pure wrote them in Q8_0, Q4_0, Q4_K and Q6_K (Q5_K, Q5_0, Q5_1: blocks_q5.gguf),
 * and gguf-py's quantizer and dequantizer on the same rows.
 */
class GgmlBlocksGoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/gguf/blocks.gguf");
    /**
     * Q5_K, Q5_0 and Q5_1 rows (llama-quantize --pure Q5_K_M, Q5_0, Q5_1), in a file of their own: its Q4_K_M writes
     * Q5_K for GPT-2's attn_qkv and falls back to Q5_0/Q5_1 for rows narrower than a 256-value super-block.
     */
    static final Path GOLDEN_Q5 = Path.of("src/test/resources/golden/gguf/blocks_q5.gguf");

    /** Each block format with the golden file holding its rows. */
    private static final Object[][] FORMATS = {{GgmlType.Q8_0, GOLDEN}, {GgmlType.Q4_0, GOLDEN}, {GgmlType.Q4_K, GOLDEN},
            {GgmlType.Q5_K, GOLDEN_Q5}, {GgmlType.Q6_K, GOLDEN}, {GgmlType.Q5_0, GOLDEN_Q5}, {GgmlType.Q5_1, GOLDEN_Q5}};

    @Test
    void referenceQuantizersGiveGgmlsBytes() {
        try (GgufFile f = GgufFile.open(GOLDEN)) {
            float[] src = f.floats(f.tensors().get("source"));
            for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
                byte[] ours = GgmlQuantizer.quantize(t, src, 0, src.length);
                String n = t.ggmlName();
                // Exact: the same float operations as quantize_row_*_ref, so every byte agrees.
                assertThat(ours).as("%s vs llama-quantize", t).isEqualTo(f.bytes(f.tensors().get("ggml." + n)));
                assertThat(ours).as("%s vs gguf-py", t).isEqualTo(f.bytes(f.tensors().get("gguf_py." + n)));
            }
        }
    }

    @Test
    void blocksDecodeAsGgufPyDequantizesThem() {
        for (Object[] format : FORMATS) try (GgufFile f = GgufFile.open((Path) format[1])) {
            GgmlType t = (GgmlType) format[0];
            {
                GgufTensorInfo q = f.tensors().get("ggml." + t.ggmlName().toLowerCase(java.util.Locale.ROOT));
                int rows = q.shape()[0], cols = q.shape()[1];
                QuantizedWeight w = Backends.cpu().quantizedGgml(t, f.bytes(q), rows, cols);
                float[] decoded = Backends.cpu().quantizedEmbedding(w, new int[] {0, 1, 2, 3}).toArray();
                float[] want = f.floats(f.tensors().get("dequant." + t.ggmlName().toLowerCase(java.util.Locale.ROOT)));
                // Exact: each value is the same one or two float products and a difference, in the same order.
                assertThat(decoded).as("%s", t).containsExactly(want);
            }
        }
    }

    @Test
    void fusedProductsMatchTheDecodedMatrix() {
        for (Object[] format : FORMATS) try (GgufFile f = GgufFile.open((Path) format[1])) {
            GgmlType t = (GgmlType) format[0];
            {
                GgufTensorInfo q = f.tensors().get("ggml." + t.ggmlName().toLowerCase(java.util.Locale.ROOT));
                int rows = q.shape()[0], cols = q.shape()[1];
                QuantizedWeight w = Backends.cpu().quantizedGgml(t, f.bytes(q), rows, cols);
                float[] wd = f.floats(f.tensors().get("dequant." + t.ggmlName().toLowerCase(java.util.Locale.ROOT)));
                for (int n : new int[] {1, 5}) {   // one row: the matrix-vector kernel; five: the tiled product
                    float[] x = new float[n * cols];
                    for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(0.37 * i + n);
                    Tensor y = Backends.cpu().quantizedMatmul(Tensor.of(x, n, cols), w);
                    float[] got = y.toArray();
                    for (int i = 0; i < n; i++)
                        for (int r = 0; r < rows; r++) {
                            double s = 0, mag = 0;
                            for (int c = 0; c < cols; c++) {
                                s += (double) wd[r * cols + c] * x[i * cols + c];
                                mag += Math.abs((double) wd[r * cols + c] * x[i * cols + c]);
                            }
                            // fp32 sums of 512 products in another order than the double reference: within 1e-5
                            // of the sum of magnitudes (about 512 float roundings of ~6e-8 each, with margin).
                            assertThat((double) got[i * rows + r]).as("%s n=%d row %d", t, n, r)
                                    .isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-12));
                        }
                }
            }
        }
    }
}
