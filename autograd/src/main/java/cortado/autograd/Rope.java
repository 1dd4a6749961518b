package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * Rotary position embedding (Su et al. 2021, RoFormer), rotate-half form as in Llama, on x [B, H, T, D]. A rotation is
 * orthogonal, so the gradient is the inverse rotation (angle -theta) of dy; nothing is saved.
 */
final class Rope implements GradFn {
    private final Tensor x;
    private final int startPos;
    private final float theta;

    private Rope(Tensor x, int startPos, float theta) {
        this.x = x;
        this.startPos = startPos;
        this.theta = theta;
    }

    static Tensor apply(Tensor x, int startPos, float theta) {
        if (x.rank() != 4 || x.size(-1) % 2 != 0)
            throw new IllegalArgumentException("rope needs x [B, H, T, D] with even D, got " + x);
        Tensor out = x.backend().rope(x, startPos, theta, false);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Rope(x, startPos, theta));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().rope(g, startPos, theta, true)}; }
}
