package cortado.autograd;

import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * Fused scaled-dot-product attention softmax(q k^T * scale + mask) v, with grouped-query heads (q [B,H,T,D],
 * k and v [B,Hkv,S,D]) and an {@link AttentionMask} (causal or bidirectional, per-row offsets, sliding window, key
 * padding). Like FlashAttention it saves only the output and the per-row log-sum-exp, never the [T, S] probabilities;
 * backward recomputes them tile by tile. A query that sees no key has output 0 and passes no gradient.
 */
final class Attention implements GradFn {
    private final Tensor q, k, v, out, lse;
    private final AttentionMask mask;
    private final float scale;

    private Attention(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, AttentionMask mask, float scale) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.out = out;
        this.lse = lse;
        this.mask = mask;
        this.scale = scale;
    }

    static Tensor apply(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
            throw new IllegalArgumentException("attention needs q [B,H,T,D], k and v [B,Hkv,S,D]; got " + q + ", " + k + ", " + v);
        int b = q.size(0), h = q.size(1), t = q.size(2), d = q.size(3);
        int hkv = k.size(1), s = k.size(2);
        if (k.size(0) != b || v.size(0) != b || v.size(1) != hkv || v.size(2) != s || k.size(3) != d || v.size(3) != d)
            throw new IllegalArgumentException("attention shapes disagree: q " + q + ", k " + k + ", v " + v);
        if (hkv == 0 || h % hkv != 0)
            throw new IllegalArgumentException("attention: " + h + " query heads are not a multiple of " + hkv + " key/value heads");
        mask.check(b, t, s);
        Backend.AttentionResult r = q.backend().attention(q, k, v, mask, scale);
        if (Autograd.shouldRecord(q, k, v))
            Autograd.record(r.out(), new Attention(q, k, v, r.out().detach(), r.lse(), mask, scale));
        return r.out();
    }

    @Override public Tensor[] inputs() { return new Tensor[] {q, k, v}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend.AttentionGrads d = g.backend().attentionBackward(g, q, k, v, out, lse, mask, scale);
        return new Tensor[] {
                q.requiresGrad() ? d.dq() : null,
                k.requiresGrad() ? d.dk() : null,
                v.requiresGrad() ? d.dv() : null};
    }
}
