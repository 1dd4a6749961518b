package cortado.gpu;

import java.util.Arrays;
import cortado.tensor.Tensor;

/**
 * One strided-batched cuBLAS SGEMM computing the row-major product {@code out[..., M, N] = op(a) @ op(b)} of two
 * operands laid out as {@link GemmLayout}s: cuBLAS's column-major {@code C^T = op(B)^T op(A)^T}, so {@code first} is b
 * and {@code second} is a. Offsets and strides are in elements; a 2-D operand shared by every batch has stride 0. The
 * output is contiguous ({@code ldc = N}) or, for {@code matmulInto}, a row-major view with its own leading dimension.
 */
record GemmPlan(boolean transFirst, boolean transSecond, int m, int n, int k,
                long firstOffset, int ldFirst, long strideFirst,
                long secondOffset, int ldSecond, long strideSecond,
                int ldc, long strideC, int batch) {

    /** The shapes of a product: M, N, K and the batch shape; fails on operands that do not multiply. */
    record Shape(int m, int n, int k, int[] batch) {
        int[] out() {
            int[] s = Arrays.copyOf(batch, batch.length + 2);
            s[batch.length] = m;
            s[batch.length + 1] = n;
            return s;
        }

        long batchCount() {
            long c = 1;
            for (int d : batch) c *= d;
            return c;
        }
    }

    static Shape shape(Tensor a, Tensor b, boolean transA, boolean transB) {
        if (a.rank() < 2 || b.rank() < 2)
            throw new IllegalArgumentException("matmul needs operands of rank >= 2, got " + a + " and " + b);
        int m = transA ? a.size(-1) : a.size(-2), k = transA ? a.size(-2) : a.size(-1);
        int kb = transB ? b.size(-1) : b.size(-2), n = transB ? b.size(-2) : b.size(-1);
        if (k != kb)
            throw new IllegalArgumentException("matmul: inner dimensions differ, " + a + (transA ? "^T" : "") + " @ " + b
                    + (transB ? "^T" : ""));
        int[] ba = Arrays.copyOf(a.shape(), a.rank() - 2), bb = Arrays.copyOf(b.shape(), b.rank() - 2);
        int[] batch;
        if (ba.length == 0) batch = bb;
        else if (bb.length == 0) batch = ba;
        else if (Arrays.equals(ba, bb)) batch = ba;
        else throw new IllegalArgumentException("matmul: batch dimensions differ, " + a + " @ " + b);
        return new Shape(m, n, k, batch);
    }

    /**
     * The call for {@code a} and {@code b} (with layouts {@code la}, {@code lb}) into an output whose rows are
     * {@code ldc} apart and whose batches are {@code strideC} apart.
     */
    static GemmPlan of(Shape s, Tensor a, GemmLayout la, boolean transA, Tensor b, GemmLayout lb, boolean transB,
                       int ldc, long strideC) {
        long count = s.batchCount();
        if (count > Integer.MAX_VALUE) throw new IllegalArgumentException("matmul batch of " + count + " is too large");
        return new GemmPlan(lb.cublasTranspose(transB), la.cublasTranspose(transA), s.n(), s.m(), s.k(),
                b.offsetLong(), lb.ld(), b.rank() == 2 ? 0 : lb.batchStride(),
                a.offsetLong(), la.ld(), a.rank() == 2 ? 0 : la.batchStride(),
                ldc, strideC, (int) count);
    }
}
