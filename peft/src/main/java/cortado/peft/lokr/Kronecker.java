package cortado.peft.lokr;

import cortado.autograd.F;
import cortado.tensor.Tensor;

/**
 * The Kronecker product of two matrices, torch's {@code kron} as LoKr's {@code make_kron} uses it:
 * {@code (A ⊗ B)[i·p + k, j·q + l] = A[i, j] · B[k, l]} for A {@code [m, n]} and B {@code [p, q]}, giving
 * {@code [m·p, n·q]}. Built from autograd ops (A viewed {@code [m, 1, n, 1]} times B viewed {@code [1, p, 1, q]},
 * broadcast to {@code [m, p, n, q]}, then flattened), so the gradient is the broadcast product's: each factor's
 * gradient sums the other against the output gradient's blocks.
 */
public final class Kronecker {
    private Kronecker() {}

    public static Tensor of(Tensor a, Tensor b) {
        int m = a.size(0), n = a.size(1), p = b.size(0), q = b.size(1);
        Tensor blocks = F.mul(F.reshape(a, m, 1, n, 1), F.reshape(b, 1, p, 1, q));
        return F.reshape(blocks, m * p, n * q);
    }
}
