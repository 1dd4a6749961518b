package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;

/** A lookup table {@code weight [num, dim]}: row i is the vector of token (or position) i. */
public final class Embedding extends Module {
    private final int num, dim;
    private final Parameter weight;

    public Embedding(int num, int dim) {
        if (num <= 0 || dim <= 0) throw new IllegalArgumentException("Embedding sizes must be positive: " + num + " x " + dim);
        this.num = num;
        this.dim = dim;
        this.weight = param("weight", Backends.cpu().zeros(num, dim));
    }

    /** Rows for {@code ids}: {@code [ids.length, dim]}. Ids must lie in [0, num). */
    public Tensor forward(int[] ids) {
        for (int id : ids)
            if (id < 0 || id >= num)
                throw new IllegalArgumentException("id " + id + " out of range for an embedding of " + num + " rows");
        return F.embedding(weight.value(), ids);
    }

    public Parameter weight() { return weight; }

    public int numEmbeddings() { return num; }

    public int dim() { return dim; }
}
