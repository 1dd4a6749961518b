package cortado.nn.io.gguf;

/**
 * The row order llama.cpp's convert_hf_to_gguf.py gives Llama's q_proj and k_proj ({@code LlamaModel.permute}):
 * Hugging Face rotates the two halves of each head (rotate_half), GGUF's llama graph rotates adjacent pairs, so within
 * each head of {@code d} rows, GGUF row {@code 2i + j} is Hugging Face row {@code j * d/2 + i} (i < d/2, j in {0, 1}).
 * Rows move whole, so the same permutation applies to fp32, 16-bit and block-quantized rows alike.
 */
final class QkPermutation {
    private QkPermutation() {}

    /** {@code src[r]} for each GGUF row r of a [heads * headDim, ...] matrix: the Hugging Face row it holds. */
    static int[] hfRowOfGgufRow(int heads, int rows) {
        if (rows % heads != 0 || (rows / heads) % 2 != 0)
            throw new IllegalArgumentException(rows + " rows are not " + heads + " heads of an even dimension");
        int d = rows / heads, half = d / 2;
        int[] src = new int[rows];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++) src[h * d + 2 * i + j] = h * d + j * half + i;
        return src;
    }

    /** Rows of {@code rowBytes} bytes of {@code a} reordered: row r of the result is row {@code from[r]} of a. */
    static byte[] gather(byte[] a, int[] from, int rowBytes) {
        byte[] out = new byte[a.length];
        for (int r = 0; r < from.length; r++) System.arraycopy(a, from[r] * rowBytes, out, r * rowBytes, rowBytes);
        return out;
    }

    /** Rows scattered the other way: row {@code from[r]} of the result is row r of a. */
    static byte[] scatter(byte[] a, int[] from, int rowBytes) {
        byte[] out = new byte[a.length];
        for (int r = 0; r < from.length; r++) System.arraycopy(a, r * rowBytes, out, from[r] * rowBytes, rowBytes);
        return out;
    }
}
