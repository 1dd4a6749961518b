package cortado.gpu;

import cortado.tensor.Tensor;

/**
 * How a matrix operand (the last two dimensions of a tensor, [rows, cols]) is handed to column-major cuBLAS without a
 * copy. A row-major matrix (unit column stride) read column-major with leading dimension {@code stride[-2]} is its
 * own transpose; a column-major one (unit row stride, e.g. a transposed view) is itself, with leading dimension
 * {@code stride[-1]}. The batch dimensions must collapse to one stride. Null from {@link #of} means the tensor needs a
 * contiguous copy first.
 *
 * <p>Row-major C = op(A) op(B) is computed as column-major C^T = op(B)^T op(A)^T: cuBLAS's first operand is B, its
 * second A, with m = N and n = M; an operand is transposed for cuBLAS exactly when its own transpose flag differs
 * from its being column-major ({@link #cublasTranspose}).
 */
record GemmLayout(boolean columnMajor, int ld, long batchStride, int batch) {

    static GemmLayout of(Tensor t) {
        int r = t.rank();
        if (r < 2) return null;
        int rows = t.size(-2), cols = t.size(-1);
        long sr = t.strideLong(-2), sc = t.strideLong(-1);
        Boolean colMajor = null;
        long ld = 0;
        if ((sc == 1 || cols == 1) && (sr >= Math.max(1, cols) || rows == 1)) {
            colMajor = false;
            ld = rows == 1 ? Math.max(1, cols) : sr;
        } else if ((sr == 1 || rows == 1) && (sc >= Math.max(1, rows) || cols == 1)) {
            colMajor = true;
            ld = cols == 1 ? Math.max(1, rows) : sc;
        }
        if (colMajor == null || ld > Integer.MAX_VALUE) return null;
        // batch dimensions [..., rows, cols]: every one a whole multiple of the next, so one stride walks them
        long batch = 1, batchStride = 0;
        int[] shape = t.shape();
        long[] st = t.stridesLong();
        for (int d = r - 3; d >= 0; d--) {
            if (shape[d] == 1) continue;
            if (batch == 1) batchStride = st[d];
            else if (st[d] != batchStride * batch) return null;
            batch *= shape[d];
        }
        if (batch > Integer.MAX_VALUE) return null;
        return new GemmLayout(colMajor, (int) ld, batchStride, (int) batch);
    }

    /** Whether cuBLAS must transpose this operand, given the operation's transpose flag for it. */
    boolean cublasTranspose(boolean trans) { return trans != columnMajor; }
}
