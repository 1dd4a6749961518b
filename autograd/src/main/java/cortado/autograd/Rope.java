package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.RopeTable;
import cortado.tensor.Tensor;

/**
 * Rotary position embedding (Su et al. 2021, RoFormer), rotate-half form as in Llama, on x [B, H, T, D], each token at
 * its own position id (row-major [B, T]). A rotation is orthogonal, so the gradient is the inverse rotation (sin
 * negated) of dy; nothing but the positions and the table is kept. With a table scaled by s (YaRN's attention factor)
 * the forward is s times a rotation, and its transpose is s times the inverse rotation: the same inverse call.
 */
final class Rope implements GradFn {
    private final Tensor x;
    private final int[] positions;
    private final RopeTable table;

    private Rope(Tensor x, int[] positions, RopeTable table) {
        this.x = x;
        this.positions = positions;
        this.table = table;
    }

    static Tensor apply(Tensor x, int[] positions, RopeTable table) {
        if (x.rank() != 4 || x.size(-1) % 2 != 0)
            throw new IllegalArgumentException("rope needs x [B, H, T, D] with even D, got " + x);
        Tensor out = x.backend().rope(x, positions, table, false);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Rope(x, positions.clone(), table));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().rope(g, positions, table, true)}; }
}
