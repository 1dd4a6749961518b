package cortado.peft.trainabletokens;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Embedding;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.BaseTunerLayer;
import cortado.peft.ParameterDict;
import cortado.peft.PeftException;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * PEFT's {@code TrainableTokensLayer} over a frozen {@link Embedding}: child {@code trainable_tokens_delta.<adapter>}
 * {@code [k, dim]} holds the new values of rows {@code token_indices} (values, not differences, despite peft's name);
 * the forward pass gives what a lookup in the table with those rows replaced ({@code W.index_copy(0, indices, delta)})
 * gives, computed per looked-up position rather than per table row: {@code embedding(W, ids) * keep +
 * embedding(delta, slot) * (1 - keep)}, with keep 0 where an id is a trainable token, so the gradient reaches only the
 * delta and the cost is O(ids x dim), not a pass over a [V, dim] table (1 GiB for Llama 3's). Merging writes the rows
 * into the table, unmerging
 * writes back the originals kept at add time ({@code trainable_tokens_original}, not saved, as in peft).
 */
public final class TrainableTokensLayer extends BaseTunerLayer {
    private final int num, dim;
    private final Map<String, int[]> indices = new LinkedHashMap<>();
    private final Map<String, int[]> slots = new LinkedHashMap<>();   // token id -> its row of the delta, or -1
    private final Map<String, Tensor> originals = new LinkedHashMap<>();

    public TrainableTokensLayer(Module base) {
        super(base);
        if (!(base instanceof Embedding e))
            throw new PeftException("TRAINABLE_TOKENS cannot wrap " + base.getClass().getSimpleName()
                    + " (Cortado's wraps an Embedding)");
        if (e.frozen() != null)
            throw new PeftException("TRAINABLE_TOKENS needs an fp32 embedding table, not one frozen in a kernel format");
        num = e.numEmbeddings();
        dim = e.dim();
        child("trainable_tokens_delta", new ParameterDict());
    }

    /** Adds adapter {@code name} (peft's {@code update_layer}): the rows copied from the table, or N(0, 1). */
    public void addAdapter(String name, TrainableTokensConfig c, long seed) {
        checkNew(name);
        int[] idx = c.tokenIndices().stream().mapToInt(Integer::intValue).toArray();
        for (int i : idx)
            if (i < 0 || i >= num)
                throw new PeftException("token index " + i + " is out of range for an embedding of " + num + " rows");
        float[] w = weight().value().toArray();
        float[] orig = new float[idx.length * dim];
        for (int k = 0; k < idx.length; k++) System.arraycopy(w, idx[k] * dim, orig, k * dim, dim);
        float[] init = orig.clone();
        if (!c.initWeights()) {
            Random rnd = new Random(seed);
            for (int i = 0; i < init.length; i++) init[i] = (float) rnd.nextGaussian();
        }
        Backend be = weight().value().backend();
        this.<ParameterDict>childAt("trainable_tokens_delta").put(name, be.fromArray(init, idx.length, dim));
        indices.put(name, idx);
        int[] slotOf = new int[num];   // a token listed twice takes its last row, as index_copy does
        java.util.Arrays.fill(slotOf, -1);
        for (int k = 0; k < idx.length; k++) slotOf[idx[k]] = k;
        slots.put(name, slotOf);
        originals.put(name, be.fromArray(orig, idx.length, dim));
        register(name);
    }

    private Parameter weight() { return ((Embedding) baseLayer()).weight(); }

    private Tensor delta(String adapter) {
        return this.<ParameterDict>childAt("trainable_tokens_delta").at(adapter).value();
    }

    /** peft's {@code _check_overlapping_tokens}: two adapters may not both set a row. */
    private void checkDisjoint(List<String> names) {
        Set<Integer> seen = new HashSet<>();
        for (String n : names)
            for (int i : indices.get(n))
                if (!seen.add(i))
                    throw new PeftException("Token indices of adapter " + n + " are already defined and would result in"
                            + " undefined merging behavior. Only disjunct token indices are currently supported.");
    }

    /** The table with each adapter's rows replaced by its delta (peft's {@code get_merged_weights}). */
    private Tensor mergedTable(Tensor w, List<String> names) {
        for (String n : names) w = withRows(w, indices.get(n), delta(n));
        return w;
    }

    /** {@code w} with rows {@code idx} replaced by the rows of {@code rows} ({@code index_copy(0, idx, rows)}). */
    private Tensor withRows(Tensor w, int[] idx, Tensor rows) {
        float[] keep = new float[num];
        java.util.Arrays.fill(keep, 1f);
        int[] slot = new int[num];
        for (int k = 0; k < idx.length; k++) {
            keep[idx[k]] = 0f;
            slot[idx[k]] = k;
        }
        Backend be = w.backend();
        Tensor keepT = be.fromArray(keep, num, 1);
        Tensor take = be.fromArray(flip(keep), num, 1);
        return F.add(F.mul(w, keepT), F.mul(F.embedding(rows, slot), take));
    }

    private static float[] flip(float[] keep) {
        float[] t = new float[keep.length];
        for (int i = 0; i < t.length; i++) t[i] = 1f - keep[i];
        return t;
    }

    @Override
    public Tensor forward(Tensor ids) {
        List<String> names = pending();
        Embedding base = (Embedding) baseLayer();
        if (names.isEmpty()) return base.forward(ids);
        checkDisjoint(names);
        int[] id = Embedding.idsOf(ids);
        Tensor out = base.forward(id);
        for (String n : names) out = withPositions(out, id, slots.get(n), delta(n));
        return out;
    }

    /**
     * {@code rows} ([ids, dim], the lookup of {@code id}) with each position whose id has a row of {@code delta}
     * ({@code slotOf[id] >= 0}) holding that row instead; the same as looking {@code id} up in {@link #withRows}'s
     * table. The delta stays in the graph when no position holds one of its tokens, so it gets a zero gradient, as
     * peft's does.
     */
    private Tensor withPositions(Tensor rows, int[] id, int[] slotOf, Tensor delta) {
        float[] keep = new float[id.length], take = new float[id.length];
        int[] slot = new int[id.length];
        for (int i = 0; i < id.length; i++) {
            int k = slotOf[id[i]];
            keep[i] = k < 0 ? 1f : 0f;
            take[i] = k < 0 ? 0f : 1f;
            slot[i] = Math.max(k, 0);
        }
        Backend be = rows.backend();
        return F.add(F.mul(rows, be.fromArray(keep, id.length, 1)),
                F.mul(F.embedding(delta, slot), be.fromArray(take, id.length, 1)));
    }

    @Override
    protected void mergeAdapter(String name) {
        List<String> all = new java.util.ArrayList<>(mergedAdapters());
        all.add(name);
        checkDisjoint(all);
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(mergedTable(weight().value(), List.of(name)));
        }
    }

    @Override
    protected void unmergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(withRows(weight().value(), indices.get(name), originals.get(name)));
        }
    }

    @Override
    protected void removeTensors(String name) {
        this.<ParameterDict>childAt("trainable_tokens_delta").remove(name);
        indices.remove(name);
        slots.remove(name);
        originals.remove(name);
    }

    /** {@code trainable_tokens_delta.<adapter>}. */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("trainable_tokens_delta." + adapter, this.<ParameterDict>childAt("trainable_tokens_delta").at(adapter));
        return m;
    }
}
