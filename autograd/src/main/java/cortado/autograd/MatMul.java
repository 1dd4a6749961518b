package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * C = op(A) @ op(B) over the last two dimensions, op transposing when asked (as {@link Backend#matmul}).
 *
 * <p>Backward, for C = A B: dA = dC B^T and dB = A^T dC. The transposed variants follow by transposing both sides, so
 * every case is again one matmul with transpose flags and nothing is copied. When one operand is 2-D and shared by every
 * batch of the other, its gradient is the sum over the batch.
 */
final class MatMul implements GradFn {
    private final Tensor a, b;
    private final boolean transA, transB;

    private MatMul(Tensor a, Tensor b, boolean transA, boolean transB) {
        this.a = a;
        this.b = b;
        this.transA = transA;
        this.transB = transB;
    }

    static Tensor apply(Tensor a, Tensor b, boolean transA, boolean transB) {
        Tensor out = a.backend().matmul(a, b, transA, transB);
        if (Autograd.shouldRecord(a, b)) Autograd.record(out, new MatMul(a, b, transA, transB));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {a, b}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        Tensor da = null, db = null;
        if (a.requiresGrad()) {
            if (!transA) da = transB ? be.matmul(g, b, false, false) : be.matmul(g, b, false, true); // [M,K]
            else da = transB ? be.matmul(b, g, true, true) : be.matmul(b, g, false, true);          // [K,M]
            da = reduceToShape(be, da, a);
        }
        if (b.requiresGrad()) {
            if (b.rank() == 2 && a.rank() > 2 && !transA) {
                // Shared weight: fold the batch into the rows, one [N*M]-deep product instead of a batch and a sum.
                int k = a.size(-1), n = g.size(-1);
                Tensor a2 = a.reshape(-1, k), g2 = g.reshape(-1, n);
                db = transB ? be.matmul(g2, a2, true, false) : be.matmul(a2, g2, true, false);
            } else {
                if (!transB) db = transA ? be.matmul(a, g, false, false) : be.matmul(a, g, true, false); // [K,N]
                else db = transA ? be.matmul(g, a, true, true) : be.matmul(g, a, true, false);          // [N,K]
                db = reduceToShape(be, db, b);
            }
        }
        return new Tensor[] {da, db};
    }

    /** Sums a batched gradient over the batch when the operand was a shared 2-D matrix. */
    private static Tensor reduceToShape(Backend be, Tensor grad, Tensor operand) {
        return grad.rank() == operand.rank() ? grad : be.sumToShape(grad, operand.shape());
    }
}
