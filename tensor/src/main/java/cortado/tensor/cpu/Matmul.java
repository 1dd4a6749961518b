package cortado.tensor.cpu;

import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * Maps a batched {@code op(a) @ op(b)} on tensors onto {@link Sgemm} calls without copying whenever the operands'
 * strides allow: a matrix whose last-two-dims strides are (ld, 1) is row-major, one with (1, ld) is the transpose of a
 * row-major matrix (so a transposed view costs a flipped flag, not a copy), and batch dimensions that step evenly become
 * one batch stride. A batched left operand times a shared 2-D right operand ({@code x @ W^T} in a linear layer) folds
 * the batch into M and becomes a single large GEMM.
 */
final class Matmul {
    private Matmul() {}

    /** How Sgemm reads one operand: its array, offset, leading dimension, whether it is stored transposed, batch stride. */
    private record Operand(float[] data, int off, int ld, boolean storedTransposed, long batchStride) {}

    static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        if (a.rank() < 2 || b.rank() < 2)
            throw new IllegalArgumentException("matmul needs operands of rank >= 2, got " + Arrays.toString(a.shape())
                    + " and " + Arrays.toString(b.shape()));
        int m = transA ? a.size(-1) : a.size(-2);
        int k = transA ? a.size(-2) : a.size(-1);
        int kb = transB ? b.size(-1) : b.size(-2);
        int n = transB ? b.size(-2) : b.size(-1);
        if (k != kb)
            throw new IllegalArgumentException("matmul inner dimensions differ: " + Arrays.toString(a.shape())
                    + (transA ? "^T" : "") + " @ " + Arrays.toString(b.shape()) + (transB ? "^T" : ""));
        int[] batchA = Arrays.copyOf(a.shape(), a.rank() - 2), batchB = Arrays.copyOf(b.shape(), b.rank() - 2);
        int[] batchShape;
        if (batchA.length == 0) batchShape = batchB;
        else if (batchB.length == 0) batchShape = batchA;
        else if (Arrays.equals(batchA, batchB)) batchShape = batchA;
        else throw new IllegalArgumentException("matmul batch dimensions differ: " + Arrays.toString(a.shape())
                    + " and " + Arrays.toString(b.shape()) + " (one operand may be 2-D, else batches must be equal)");
        int batch = 1;
        for (int d : batchShape) batch *= d;
        int[] outShape = Arrays.copyOf(batchShape, batchShape.length + 2);
        outShape[batchShape.length] = m;
        outShape[batchShape.length + 1] = n;
        Tensor out = k == 0 ? Tensor.zeros(outShape) : Tensor.empty(outShape); // beta = 0: sgemm writes every element
        if (batch == 0 || m == 0 || n == 0 || k == 0) return out;

        Operand oa = operand(a), ob = operand(b);
        if (oa == null) oa = operand(a = a.backend().copy(a));
        if (ob == null) ob = operand(b = b.backend().copy(b));
        boolean ta = transA ^ oa.storedTransposed, tb = transB ^ ob.storedTransposed;
        float[] c = out.data();

        if (batchB.length == 0 && batchA.length > 0 && !ta && foldsIntoRows(a, oa, m)) {
            // [batch, M, K] with rows evenly spaced across batches: one GEMM of batch*M rows.
            int lda = m == 1 ? (int) oa.batchStride : oa.ld;
            Sgemm.sgemm(false, tb, batch * m, n, k, 1f, oa.data, oa.off, lda, ob.data, ob.off, ob.ld, 0f, c, 0, n);
        } else if (batch == 1) {
            Sgemm.sgemm(ta, tb, m, n, k, 1f, oa.data, oa.off, oa.ld, ob.data, ob.off, ob.ld, 0f, c, 0, n);
        } else {
            Sgemm.sgemmBatched(batch, ta, tb, m, n, k, 1f, oa.data, oa.off, oa.ld, oa.batchStride,
                    ob.data, ob.off, ob.ld, ob.batchStride, 0f, c, 0, n, (long) m * n);
        }
        return out;
    }

    /**
     * out [M, N] = (or +=, when accumulate) op(a) @ op(b) for 2-D a and b, written straight into out by sgemm (beta 0 or
     * 1) when out's rows are unit-stride; otherwise through a temporary.
     */
    static void matmulInto(Tensor out, Tensor a, Tensor b, boolean transA, boolean transB, boolean accumulate) {
        if (a.rank() != 2 || b.rank() != 2 || out.rank() != 2)
            throw new IllegalArgumentException("matmulInto needs 2-D operands, got " + Arrays.toString(a.shape())
                    + ", " + Arrays.toString(b.shape()) + " into " + Arrays.toString(out.shape()));
        int m = transA ? a.size(1) : a.size(0), k = transA ? a.size(0) : a.size(1);
        int kb = transB ? b.size(1) : b.size(0), n = transB ? b.size(0) : b.size(1);
        if (k != kb || out.size(0) != m || out.size(1) != n)
            throw new IllegalArgumentException("matmulInto: " + Arrays.toString(a.shape()) + (transA ? "^T" : "")
                    + " @ " + Arrays.toString(b.shape()) + (transB ? "^T" : "") + " does not fit "
                    + Arrays.toString(out.shape()));
        if (m == 0 || n == 0) return;
        boolean rowMajor = (n == 1 || out.stride(1) == 1) && (m == 1 || out.stride(0) >= n);
        if (!rowMajor) {
            Tensor product = matmul(a, b, transA, transB);
            if (accumulate) Elementwise.axpy(out, 1f, product);
            else Elementwise.copyInto(out, product);
            return;
        }
        Operand oa = operand(a), ob = operand(b);
        if (oa == null) oa = operand(a.backend().copy(a));
        if (ob == null) ob = operand(b.backend().copy(b));
        int ldc = m == 1 ? n : out.stride(0);
        Sgemm.sgemm(transA ^ oa.storedTransposed, transB ^ ob.storedTransposed, m, n, k, 1f, oa.data, oa.off, oa.ld,
                ob.data, ob.off, ob.ld, accumulate ? 1f : 0f, out.data(), out.offset(), ldc);
    }

    /** True when batch b's row r of a sits at off + (b * m + r) * ld, i.e. the batch is just more rows. */
    private static boolean foldsIntoRows(Tensor a, Operand oa, int m) {
        if (oa.storedTransposed) return false;
        if (m == 1) return oa.batchStride >= a.size(-1) && oa.batchStride <= Integer.MAX_VALUE;
        return oa.batchStride == (long) m * oa.ld;
    }

    /** Describes t's last two dimensions as a (possibly transposed) row-major matrix; null when a copy is needed. */
    private static Operand operand(Tensor t) {
        int r = t.size(-2), c = t.size(-1), sr = t.stride(-2), sc = t.stride(-1);
        long batchStride = batchStride(t);
        if (batchStride < 0) return null;
        if ((c == 1 || sc == 1) && (r == 1 || sr >= c))
            return new Operand(t.data(), t.offset(), r == 1 ? Math.max(c, 1) : sr, false, batchStride);
        if ((r == 1 || sr == 1) && (c == 1 || sc >= r))
            return new Operand(t.data(), t.offset(), c == 1 ? Math.max(r, 1) : sc, true, batchStride);
        return null;
    }

    /** One stride that steps through all batch dimensions in order, 0 for a 2-D tensor, -1 when there is none. */
    private static long batchStride(Tensor t) {
        int[] shape = t.shape(), strides = t.strides();
        long stride = -1;
        long expectNext = -1;
        for (int d = t.rank() - 3; d >= 0; d--) {
            if (shape[d] == 1) continue;
            if (stride < 0) {
                stride = strides[d];
                if (stride <= 0) return -1;
            } else if (strides[d] != expectNext) return -1;
            expectNext = (long) strides[d] * shape[d];
        }
        return stride < 0 ? 0 : stride;
    }
}
