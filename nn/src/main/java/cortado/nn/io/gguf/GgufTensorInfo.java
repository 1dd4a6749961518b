package cortado.nn.io.gguf;

import cortado.tensor.GgmlType;

/**
 * One tensor record of a GGUF file: its name, its dimensions in ggml's order ({@code ne[0]} first: the number of
 * values in a row, so a matrix W [rows, cols] is stored as ne = {cols, rows}), its type and where its data starts,
 * relative to the data section.
 */
public record GgufTensorInfo(String name, long[] ne, GgmlType type, long offset) {
    /** Number of values. */
    public long count() {
        long n = 1;
        for (long d : ne) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Bytes of its data. */
    public long bytes() { return type.bytesOf(count()); }

    /** The shape as Cortado (and PyTorch) write it: ne reversed, e.g. [rows, cols]. */
    public int[] shape() {
        int[] s = new int[ne.length];
        for (int i = 0; i < ne.length; i++) s[i] = Math.toIntExact(ne[ne.length - 1 - i]);
        return s;
    }
}
