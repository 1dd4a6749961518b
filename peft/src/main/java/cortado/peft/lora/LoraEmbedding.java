package cortado.peft.lora;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Embedding;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.AdapterDict;
import cortado.peft.BaseTunerLayer;
import cortado.peft.ParameterDict;
import cortado.peft.PeftException;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PEFT's {@code lora.Embedding}: {@code y = base(ids) + scaling · A^T[ids] B^T} with {@code lora_embedding_A}
 * {@code [r, num_embeddings]} and {@code lora_embedding_B} {@code [embedding_dim, r]} (the row lookup in A^T is
 * the one-hot product {@code onehot(ids) A^T}); merged, {@code W += scaling · (B A)^T}. Children are PEFT's:
 * {@code base_layer}, {@code lora_dropout.<adapter>} (created as peft does but, as there, never applied: dropout on
 * ids means nothing), {@code lora_embedding_A.<adapter>}, {@code lora_embedding_B.<adapter>} and, with DoRA,
 * {@code lora_magnitude_vector.<adapter>} ({@code [embedding_dim]}: peft's {@code DoraEmbeddingLayer} normalizes the
 * columns of the table, {@code y = (m/n) · (base(ids) + scaling · A^T[ids] B^T)}).
 *
 * <p>A tied output head keeps reading the base table (the model holds the embedding it was built with), so, as in peft
 * with {@code ensure_weight_tying} off, the adapter changes the input embeddings only, until a merge writes the delta
 * into the shared table and the head sees it too.
 */
public final class LoraEmbedding extends BaseTunerLayer implements LoraModule {
    private final int num, dim;
    private final Map<String, Double> scaling = new LinkedHashMap<>();
    private ExpertScalings experts;   // null: no X-LoRA routing
    private int expertLayer;

    public LoraEmbedding(Embedding base) {
        super(base);
        num = base.numEmbeddings();
        dim = base.dim();
        child("lora_dropout", new AdapterDict());
        child("lora_embedding_A", new ParameterDict());
        child("lora_embedding_B", new ParameterDict());
        child("lora_magnitude_vector", new ParameterDict());
    }

    /**
     * Adds adapter {@code name}: by default (peft's {@code reset_lora_parameters}) A is zero and B standard normal, so a
     * fresh adapter changes nothing; with {@code init_lora_weights=false} both are standard normal. peft's Embedding
     * treats the other string forms as true (gaussian, pissa and olora have no embedding variant there) and fails on
     * loftq. With DoRA the magnitude starts at the column norms of {@code W + scaling · (B A)^T}.
     */
    @Override
    public void addAdapter(String name, LoraSpec spec) {
        checkNew(name);
        if (spec.useDora() && baseLayer().frozen() != null)
            throw new PeftException("DoRA on a frozen (16-bit or quantized) embedding table is not supported (adapter '"
                    + name + "')");
        if (spec.init() == LoraInit.LOFTQ)
            throw new PeftException("init_lora_weights \"loftq\" on an Embedding layer is not supported (adapter '"
                    + name + "'; peft's Embedding.loftq_init fails too)");
        int r = spec.r();
        SplittableRandom rnd = new SplittableRandom(spec.seed());
        float[] a = spec.init() == LoraInit.RANDOM ? LoraLayer.normal(r * num, 1, rnd) : new float[r * num];
        float[] b = LoraLayer.normal(dim * r, 1, rnd);
        Backend be = backend();
        this.<AdapterDict>childAt("lora_dropout").put(name, new cortado.nn.Dropout((float) spec.dropout()));
        this.<ParameterDict>childAt("lora_embedding_A").put(name, be.fromArray(a, r, num));
        this.<ParameterDict>childAt("lora_embedding_B").put(name, be.fromArray(b, dim, r));
        scaling.put(name, spec.scaling());
        if (spec.useDora()) this.<ParameterDict>childAt("lora_magnitude_vector").put(name, columnNorms(name, false));
        register(name);
    }

    private boolean isDora(String adapter) { return this.<ParameterDict>childAt("lora_magnitude_vector").has(adapter); }

    private Parameter magnitude(String adapter) { return this.<ParameterDict>childAt("lora_magnitude_vector").at(adapter); }

    /**
     * DoRA's norms for a table: {@code ||W^T + scaling · B A||} over each of the {@code dim} rows, detached (peft's
     * {@code DoraEmbeddingLayer.get_weight_norm} with fan_in_fan_out), of the table as it is (forward) or with the
     * merged adapters taken out ({@code unmerged}: merge, peft's {@code _unmerged_base_weight}).
     */
    private Tensor columnNorms(String adapter, boolean unmerged) {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor w = baseLayer().weight().value();
            List<String> merged = mergedAdapters();
            if (unmerged) for (int i = merged.size() - 1; i >= 0; i--) w = undo(w, merged.get(i), false);
            return Dora.rowNorms(w.transpose(0, 1).contiguous(), F.matmul(b(adapter).value(), a(adapter).value()),
                    scaling.get(adapter));
        }
    }

    private final Map<String, Tensor> mergedNorms = new java.util.HashMap<>();

    /** Where the table lives, so the adapter lives there too. */
    private Backend backend() {
        Embedding e = baseLayer();
        return e.frozen() == null ? e.weight().value().backend() : e.frozen().kernel().backend();
    }

    private Parameter a(String adapter) { return this.<ParameterDict>childAt("lora_embedding_A").at(adapter); }

    private Parameter b(String adapter) { return this.<ParameterDict>childAt("lora_embedding_B").at(adapter); }

    /** PEFT's {@code lora.Embedding.forward}: {@code (embedding(ids, A^T) @ B^T) · scaling} added per active adapter. */
    @Override
    public Tensor forward(Tensor ids) {
        Embedding base = baseLayer();
        Tensor routing = experts == null ? null : experts.weights(expertLayer);
        if (routing != null) return expertForward(base, Embedding.idsOf(ids), routing);
        List<String> pending = pending();
        if (pending.isEmpty()) return base.forward(ids);
        int[] idx = Embedding.idsOf(ids);
        Tensor y = base.forward(idx);
        for (String name : pending) {
            Tensor afterA = F.embedding(F.contiguous(F.transpose(a(name).value(), 0, 1)), idx);   // [N, r]
            Tensor out = F.matmul(afterA, b(name).value(), false, true);                         // [N, dim]
            float s = (float) (double) scaling.get(name);
            if (!isDora(name)) {
                y = F.add(y, F.scale(out, s));
                continue;
            }
            // DoraEmbeddingVariant.forward: mag_norm_scale * result + mag_norm_scale * lookup * scaling
            Tensor scale = F.div(magnitude(name).value(), columnNorms(name, false));
            y = F.add(F.mul(scale, y), F.scale(F.mul(scale, out), s));
        }
        return y;
    }

    /**
     * peft's {@code XLoraEmbeddingLayer.forward}: the table's rows, then each expert this layer holds adds
     * {@code ((A^T[ids] · w) B^T) · scaling · global}, {@code w} its column of {@code routing} ({@code [rows, N]}) for
     * each id.
     */
    private Tensor expertForward(Embedding base, int[] idx, Tensor routing) {
        if (!mergedAdapters().isEmpty())
            throw new PeftException("X-LoRA routing needs unmerged experts, but " + mergedAdapters() + " is merged");
        Tensor y = base.forward(idx);
        List<String> names = experts.experts();
        for (int n = 0; n < names.size(); n++) {
            String name = names.get(n);
            if (!adapterNames().contains(name)) continue;
            if (isDora(name)) throw new PeftException("X-LoRA does not support DoRA experts ('" + name + "')");
            Tensor afterA = F.embedding(F.contiguous(F.transpose(a(name).value(), 0, 1)), idx);   // [N, r]
            Tensor weighted = F.mul(afterA, F.slice(routing, 1, n, n + 1));
            Tensor out = F.matmul(weighted, b(name).value(), false, true);
            y = F.add(y, F.scale(out, (float) (scaling.get(name) * experts.globalWeight())));
        }
        return y;
    }

    /** Makes this layer, X-LoRA layer number {@code layer}, weight its experts by {@code s} while it routes; null: off. */
    @Override
    public void expertScalings(ExpertScalings s, int layer) {
        this.experts = s;
        this.expertLayer = layer;
    }

    /** {@code scaling · (B A)^T} {@code [num, dim]} (PEFT's {@code get_delta_weight}: {@code transpose(B @ A, True)}). */
    public Tensor deltaWeight(String adapter) {
        try (NoGrad ng = NoGrad.enter()) {
            return F.scale(F.matmul(a(adapter).value(), b(adapter).value(), true, true), (float) (double) scaling.get(adapter));
        }
    }

    @Override
    protected void mergeAdapter(String name) {
        Parameter w = table("merging");
        try (NoGrad ng = NoGrad.enter()) {
            if (!isDora(name)) {
                w.set(F.add(w.value(), deltaWeight(name)));
            } else {                                  // DoraEmbeddingVariant.merge_unsafe: W = (m/n)[1, dim] · (W + delta)
                Tensor norm = columnNorms(name, true);
                mergedNorms.put(name, norm);
                w.set(F.mul(F.add(w.value(), deltaWeight(name)), F.div(magnitude(name).value(), norm)));
            }
        }
    }

    @Override
    protected void unmergeAdapter(String name) {
        Parameter w = table("unmerging");
        try (NoGrad ng = NoGrad.enter()) {
            w.set(undo(w.value(), name, true));
        }
    }

    /** {@code w} with adapter {@code name}'s merge undone ({@code W / (m/n) - delta} for DoRA). */
    private Tensor undo(Tensor w, String name, boolean forget) {
        if (!isDora(name)) return F.sub(w, deltaWeight(name));
        Tensor norm = forget ? mergedNorms.remove(name) : mergedNorms.get(name);
        return F.sub(F.div(w, F.div(magnitude(name).value(), norm)), deltaWeight(name));
    }

    private Parameter table(String what) {
        Embedding e = baseLayer();
        if (e.frozen() != null)
            throw new PeftException(what + " LoRA into a frozen (16-bit or quantized) embedding table is not supported");
        return e.weight();
    }

    @Override
    public Embedding baseLayer() { return childAt("base_layer"); }

    @Override
    protected void removeTensors(String name) {
        this.<AdapterDict>childAt("lora_dropout").remove(name);
        for (String dict : List.of("lora_embedding_A", "lora_embedding_B", "lora_magnitude_vector"))
            if (this.<ParameterDict>childAt(dict).has(name)) this.<ParameterDict>childAt(dict).remove(name);
        scaling.remove(name);
    }

    @Override
    public double scaling(String adapter) { return scaling.get(adapter); }

    @Override
    public int rank(String adapter) { return a(adapter).shape()[0]; }

    /** {@code lora_embedding_A.<adapter>} and {@code lora_embedding_B.<adapter>} (peft saves them without {@code .weight}). */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        out.put("lora_embedding_A." + adapter, a(adapter));
        out.put("lora_embedding_B." + adapter, b(adapter));
        if (isDora(adapter)) out.put("lora_magnitude_vector." + adapter, magnitude(adapter));
        return out;
    }
}
