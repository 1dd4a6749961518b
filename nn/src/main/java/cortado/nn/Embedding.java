package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;

/**
 * A lookup table {@code weight [num, dim]}: row i is the vector of token (or position) i, torch.nn.Embedding. It is a
 * {@link Layer} over a tensor of ids ({@link #ids}: whole numbers held as floats, exact below 2^24, as every id tensor
 * is here), so a model calls its embeddings by name like any other layer and PEFT can wrap them.
 */
public final class Embedding extends Module implements Layer {
    /** Largest id a float holds exactly. */
    private static final int EXACT_FLOAT_INTS = 1 << 24;

    private final int num, dim;
    private final Parameter weight;

    public Embedding(int num, int dim) {
        if (num <= 0 || dim <= 0) throw new IllegalArgumentException("Embedding sizes must be positive: " + num + " x " + dim);
        if (num > EXACT_FLOAT_INTS)
            throw new IllegalArgumentException("an Embedding of " + num + " rows exceeds the 2^24 ids a float holds exactly");
        this.num = num;
        this.dim = dim;
        this.weight = param("weight", Backends.cpu().zeros(num, dim));
    }

    /** Ids as the tensor {@link #forward(Tensor)} takes: {@code [ids.length]}. */
    public static Tensor ids(int[] ids) {
        float[] f = new float[ids.length];
        for (int i = 0; i < ids.length; i++) f[i] = ids[i];
        return Backends.cpu().fromArray(f, ids.length);   // host ids: the lookup reads them back as int[]
    }

    /** The ids a tensor made by {@link #ids} holds, row-major; a value that is not a whole number is an error. */
    public static int[] idsOf(Tensor ids) {
        float[] f = ids.toArray();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (int) f[i];
            if (out[i] != f[i]) throw new IllegalArgumentException("id " + f[i] + " at index " + i + " is not a whole number");
        }
        return out;
    }

    /** Rows for the ids tensor {@code ids} (any shape, see {@link #ids}): {@code [ids.numel(), dim]}. */
    @Override
    public Tensor forward(Tensor ids) { return forward(idsOf(ids)); }

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
