package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** Row gather: y[i] = weight[ids[i]], y [ids.length, C]. Backward scatter-adds dy rows into a [V, C] gradient. */
final class EmbeddingOp implements GradFn {
    private final Tensor weight;
    private final int[] ids;

    private EmbeddingOp(Tensor weight, int[] ids) {
        this.weight = weight;
        this.ids = ids;
    }

    static Tensor apply(Tensor weight, int[] ids) {
        if (weight.rank() != 2) throw new IllegalArgumentException("embedding weight must be [V, C], got " + weight);
        int v = weight.size(0);
        for (int i = 0; i < ids.length; i++)
            if (ids[i] < 0 || ids[i] >= v)
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i + " is outside the vocabulary of " + v);
        Tensor out = weight.backend().embedding(weight, ids);
        // ids are copied: callers reuse their batch buffers before backward runs.
        if (Autograd.shouldRecord(weight)) Autograd.record(out, new EmbeddingOp(weight, ids.clone()));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {weight}; }

    /**
     * When the table is a leaf that already holds a gradient (a tied GPT-2 embedding, whose head ran backward first),
     * the rows are added straight into it: only the B*T used rows are touched, instead of building a zeroed [V, C]
     * gradient and adding all of it. Otherwise the dense gradient is returned for the engine to accumulate.
     */
    @Override
    public Tensor[] backward(Tensor g) {
        Tensor cur = weight.grad();
        if (weight.gradFn() == null && cur != null && cur.isContiguous() && cur.sameShape(weight)) {
            g.backend().embeddingBackwardInto(cur, g, ids);
            return new Tensor[] {null};
        }
        return new Tensor[] {g.backend().embeddingBackward(g, ids, weight.size(0))};
    }
}
