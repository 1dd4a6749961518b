package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;

/**
 * A lookup table {@code weight [num, dim]}: row i is the vector of token (or position) i. The table is an fp32
 * parameter, or, after {@link #freeze}, a frozen weight in a kernel format (16-bit from a bf16/f16 checkpoint, 4-bit
 * with {@code quantize --include-embeddings}) whose rows are widened as they are looked up.
 */
public final class Embedding extends Module {
    private final int num, dim;
    private Parameter weight;
    private FrozenWeight frozen;

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
        return frozen != null ? F.frozenEmbedding(frozen.kernel(), ids) : F.embedding(weight.value(), ids);
    }

    /**
     * Replaces the fp32 table by {@code table} [num, dim] (the "weight" parameter goes away; the table is not
     * trained). A tied head then multiplies by the same frozen table.
     */
    public void freeze(FrozenWeight table) {
        if (table.rows() != num || table.cols() != dim)
            throw new IllegalArgumentException("frozen table [" + table.rows() + ", " + table.cols()
                    + "] does not fit an embedding of [" + num + ", " + dim + "]");
        if (frozen == null) removeParam("weight");
        weight = null;
        frozen = table;
    }

    /** Makes {@code table} [num, dim] the fp32 "weight" parameter again (after dequantizing a frozen table). */
    public void thaw(Tensor table) {
        if (frozen == null) throw new IllegalStateException("this embedding's table is not frozen");
        if (table.rank() != 2 || table.size(0) != num || table.size(1) != dim)
            throw new IllegalArgumentException("table " + table + " does not fit an embedding of [" + num + ", " + dim + "]");
        frozen = null;
        weight = param("weight", table);
    }

    /** The fp32 table; an error once the table is frozen ({@link #frozen}). */
    public Parameter weight() {
        if (weight == null)
            throw new IllegalStateException("this embedding's table is frozen in a kernel format, not an fp32 parameter");
        return weight;
    }

    /** The frozen table, or null while the table is an fp32 parameter. */
    public FrozenWeight frozen() { return frozen; }

    public int numEmbeddings() { return num; }

    public int dim() { return dim; }
}
