package cortado.peft.xlora;

import cortado.autograd.NoGrad;
import cortado.nn.Module;
import cortado.nn.models.CausalLm;
import cortado.nn.models.KvCache;
import cortado.nn.models.ModelConfig;
import cortado.nn.models.PagedKvCache;
import cortado.peft.PeftException;
import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraModule;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A causal LM with an X-LoRA adapter, peft's {@code XLoraModel}: the module tree is peft's
 * ({@code lora_model.model.<the base's names>} with the experts' LoRA layers in it, {@code internal_xlora_classifier}),
 * and every forward runs twice, as peft's pre-forward hook does:
 * <ol>
 *   <li>the scaling pass, without gradients: every expert weighted {@code scaling_pass_value} (top-k applied as to
 *       any weights), giving the last hidden state (after the final norm) that the classifier turns into the weights
 *       {@code [B, T, L, N]};</li>
 *   <li>the real pass with those weights, which is the result (gradients reach the classifier through them; the
 *       experts are frozen).</li>
 * </ol>
 * Disabled ({@code disable_adapter}), the base runs alone. peft's {@code generate} sets {@code use_cache=False} and
 * recomputes the whole sequence each step; here a KV cache this model made keeps a second cache beside it for the
 * scaling pass, which gives the same scalings and logits for the new tokens.
 */
public final class XLoraLm extends Module implements CausalLm {
    private final CausalLm base;
    private XLoraConfig config;
    private XLoraScalings scalings;
    private XLoraClassifier classifier;
    private final Map<String, LoraConfig> experts = new LinkedHashMap<>();
    private boolean enabled = true;
    private Tensor latest;
    /** Each KV cache this model made, with the scaling pass's cache beside it (gone with the cache). */
    private final Map<KvCache, KvCache> scalingCaches = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** peft's {@code XLoraModel.lora_model}: the LoraModel whose {@code model} is the base. */
    static final class LoraModel extends Module {
        LoraModel(Module base) { child("model", base); }
    }

    public XLoraLm(CausalLm base) {
        if (base instanceof XLoraLm) throw new PeftException("this model already has an X-LoRA adapter");
        this.base = base;
        child("lora_model", new LoraModel(base.module()));
    }

    /** The base, which holds the experts' LoRA layers. */
    public CausalLm base() { return base; }

    /** The experts' LoRA configs by name, in expert order. */
    public Map<String, LoraConfig> experts() { return java.util.Collections.unmodifiableMap(experts); }

    public XLoraConfig xloraConfig() { return config; }

    public XLoraClassifier classifier() { return classifier; }

    /**
     * Takes the experts (already injected into the base under their names) and makes the classifier: the L LoRA
     * layers (linear and embedding) are numbered in module order (peft's {@code convert_layers_to_xlora} over {@code model.modules()}).
     */
    void install(XLoraConfig c, Map<String, LoraConfig> expertConfigs, long seed) {
        if (classifier != null) throw new PeftException("an X-LoRA model has one X-LoRA adapter, and it already has one");
        config = c;
        experts.putAll(expertConfigs);
        scalings = new XLoraScalings(c, List.copyOf(expertConfigs.keySet()));
        int layer = 0;
        for (Module m : base.module().namedModules().values())
            if (m instanceof LoraModule l) l.expertScalings(scalings, layer++);
        if (layer == 0) throw new PeftException("X-LoRA found no LoRA layers in its experts");
        classifier = child("internal_xlora_classifier", new XLoraClassifier(c, expertConfigs.size(), layer, seed));
    }

    /** Whether the X-LoRA routing runs ({@code disable_adapter} turns it off). */
    void enable(boolean on) { enabled = on; }

    /**
     * The weights of the last forward, {@code [B, T, L, N]} (peft's {@code get_latest_scalings}), or null before any.
     */
    public Tensor latestScalings() { return latest; }

    private boolean routing() { return enabled && classifier != null; }

    /** The two passes around {@code run}, which computes a result of the base from its inputs (of B rows of T). */
    private <T> T twoPass(int batch, int seq, Supplier<Tensor> hidden, Supplier<T> run) {
        if (!NoGrad.active() && base.module().checkpointsActivations())
            throw new PeftException("X-LoRA does not take activation checkpointing yet (a block run again during"
                    + " backward would not see the scalings of its forward): train without it");
        Tensor w;
        try (NoGrad ng = NoGrad.enter()) {
            scalings.set(dummy(batch * seq));
            Tensor h;
            try {
                h = hidden.get();
            } finally {
                scalings.clear();
            }
            // peft runs the scaling pass under no_grad: the classifier reads a hidden state without history
            w = h.detach();
        }
        Tensor s = classifier.forward(cortado.autograd.F.reshape(w, batch * seq, config.hiddenSize()));
        latest = s.rank() == 3 ? s.detach().reshape(batch, seq, classifier.layers(), classifier.experts())
                : expand(s.detach(), batch, seq);
        scalings.set(s);
        try {
            return run.get();
        } finally {
            scalings.clear();
        }
    }

    private Tensor dummy(int rows) {
        // on the classifier's backend, where its weights live
        return classifier.namedParameters().values().iterator().next().value().backend()
                .full((float) config.scalingPassValue(), rows, classifier.experts());
    }

    /** {@code [rows, N]} shared by every layer as peft's {@code [B, T, L, N]}. */
    private Tensor expand(Tensor s, int batch, int seq) {
        int n = classifier.experts(), l = classifier.layers();
        float[] v = s.contiguous().toArray(), out = new float[batch * seq * l * n];
        for (int r = 0; r < batch * seq; r++)
            for (int j = 0; j < l; j++) System.arraycopy(v, r * n, out, (r * l + j) * n, n);
        return s.backend().fromArray(out, batch, seq, l, n);
    }

    @Override public ModelConfig config() { return base.config(); }

    @Override public Module module() { return this; }

    @Override
    public Tensor forward(int[] ids, int batch, int seq) {
        if (!routing()) return base.forward(ids, batch, seq);
        return twoPass(batch, seq, () -> base.lastHiddenState(ids, batch, seq), () -> base.forward(ids, batch, seq));
    }

    @Override
    public Tensor loss(int[] ids, int[] targets, int batch, int seq) {
        if (!routing()) return base.loss(ids, targets, batch, seq);
        return twoPass(batch, seq, () -> base.lastHiddenState(ids, batch, seq), () -> base.loss(ids, targets, batch, seq));
    }

    @Override
    public Tensor lastHiddenState(int[] ids, int batch, int seq) {
        if (!routing()) return base.lastHiddenState(ids, batch, seq);
        return twoPass(batch, seq, () -> base.lastHiddenState(ids, batch, seq), () -> base.lastHiddenState(ids, batch, seq));
    }

    @Override
    public Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq) {
        if (!routing()) return base.forwardEmbeds(inputsEmbeds, batch, seq);
        return twoPass(batch, seq, () -> base.lastHiddenStateFromEmbeds(inputsEmbeds.detach(), batch, seq),
                () -> base.forwardEmbeds(inputsEmbeds, batch, seq));
    }

    @Override
    public Tensor lastHiddenStateFromEmbeds(Tensor inputsEmbeds, int batch, int seq) {
        if (!routing()) return base.lastHiddenStateFromEmbeds(inputsEmbeds, batch, seq);
        return twoPass(batch, seq, () -> base.lastHiddenStateFromEmbeds(inputsEmbeds.detach(), batch, seq),
                () -> base.lastHiddenStateFromEmbeds(inputsEmbeds, batch, seq));
    }

    @Override
    public Tensor lossFromEmbeds(Tensor inputsEmbeds, int[] targets, int batch, int seq) {
        if (!routing()) return base.lossFromEmbeds(inputsEmbeds, targets, batch, seq);
        return twoPass(batch, seq, () -> base.lastHiddenStateFromEmbeds(inputsEmbeds.detach(), batch, seq),
                () -> base.lossFromEmbeds(inputsEmbeds, targets, batch, seq));
    }

    @Override public Tensor lmHead(Tensor hidden) { return base.lmHead(hidden); }

    @Override public Tensor embed(int[] ids) { return base.embed(ids); }

    /**
     * The scaling pass's own cache beside {@code cache} (made with it by {@link #newCache}): the scaling pass sees every
     * earlier token through it, as peft's full recompute without a cache does, since a causal model's hidden state at a
     * position depends only on the tokens up to it. An empty {@code cache} (a prefill, or a reset) empties it and gives
     * it the same left padding.
     */
    private KvCache scalingCache(KvCache cache) {
        KvCache side = scalingCaches.get(cache);
        if (side == null)
            throw new PeftException("X-LoRA runs a KV cache only beside the scaling pass's own: use a cache this model's"
                    + " newCache made");
        if (cache.length() == 0) {
            side.reset();
            int[] pads = new int[cache.batch()];
            boolean padded = false;
            for (int b = 0; b < pads.length; b++) padded |= (pads[b] = cache.padding(b)) > 0;
            if (padded) side.pad(pads);
        }
        if (side.length() != cache.length())
            throw new IllegalStateException("the X-LoRA scaling-pass cache holds " + side.length() + " positions, the"
                    + " cache " + cache.length());
        return side;
    }

    @Override
    public Tensor forward(int[] ids, int batch, int seq, KvCache cache) {
        if (cache == null) return forward(ids, batch, seq);
        if (!routing()) return base.forward(ids, batch, seq, cache);
        KvCache side = scalingCache(cache);
        return twoPass(batch, seq, () -> base.lastHiddenState(ids, batch, seq, side),
                () -> base.forward(ids, batch, seq, cache));
    }

    @Override
    public Tensor nextTokenLogits(int[] ids, int batch, int seq, KvCache cache) {
        if (!routing()) return base.nextTokenLogits(ids, batch, seq, cache);
        KvCache side = scalingCache(cache);
        return twoPass(batch, seq, () -> base.lastHiddenState(ids, batch, seq, side),
                () -> base.nextTokenLogits(ids, batch, seq, cache));
    }

    @Override
    public Tensor lastHiddenState(int[] ids, int batch, int seq, KvCache cache) {
        if (cache == null) return lastHiddenState(ids, batch, seq);
        if (!routing()) return base.lastHiddenState(ids, batch, seq, cache);
        KvCache side = scalingCache(cache);
        return twoPass(batch, seq, () -> base.lastHiddenState(ids, batch, seq, side),
                () -> base.lastHiddenState(ids, batch, seq, cache));
    }

    @Override
    public Tensor lastHiddenStateFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        if (cache == null) return lastHiddenStateFromEmbeds(inputsEmbeds, batch, seq);
        if (!routing()) return base.lastHiddenStateFromEmbeds(inputsEmbeds, batch, seq, cache);
        KvCache side = scalingCache(cache);
        return twoPass(batch, seq, () -> base.lastHiddenStateFromEmbeds(inputsEmbeds.detach(), batch, seq, side),
                () -> base.lastHiddenStateFromEmbeds(inputsEmbeds, batch, seq, cache));
    }

    @Override
    public Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        if (cache == null) return forwardEmbeds(inputsEmbeds, batch, seq);
        if (!routing()) return base.forwardEmbeds(inputsEmbeds, batch, seq, cache);
        KvCache side = scalingCache(cache);
        return twoPass(batch, seq, () -> base.lastHiddenStateFromEmbeds(inputsEmbeds.detach(), batch, seq, side),
                () -> base.forwardEmbeds(inputsEmbeds, batch, seq, cache));
    }

    @Override
    public Tensor nextTokenLogitsFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        if (!routing()) return base.nextTokenLogitsFromEmbeds(inputsEmbeds, batch, seq, cache);
        KvCache side = scalingCache(cache);
        return twoPass(batch, seq, () -> base.lastHiddenStateFromEmbeds(inputsEmbeds.detach(), batch, seq, side),
                () -> base.nextTokenLogitsFromEmbeds(inputsEmbeds, batch, seq, cache));
    }

    @Override
    public Tensor forwardPacked(int[] ids, int[] positions, int batch, int seq) {
        if (routing()) throw packed();
        return base.forwardPacked(ids, positions, batch, seq);
    }

    @Override
    public Tensor lossPacked(int[] ids, int[] targets, int[] positions, int batch, int seq) {
        if (routing()) throw packed();
        return base.lossPacked(ids, targets, positions, batch, seq);
    }

    private static PeftException packed() {
        return new PeftException("X-LoRA does not take rows packed with several sequences yet: train without packing");
    }

    /** A cache of the base, and beside it (see {@link #scalingCache}) one for the scaling pass. */
    @Override
    public KvCache newCache(int batch, int maxSeq) {
        KvCache c = base.newCache(batch, maxSeq);
        scalingCaches.put(c, base.newCache(batch, maxSeq));
        return c;
    }

    /** Refused while routing: the paged rows of continuous batching have no scaling-pass cache beside them yet. */
    @Override
    public PagedKvCache newPagedCache(int slots, int maxSeq, int blocks, int blockSize) {
        if (routing())
            throw new PeftException("an X-LoRA adapter cannot run with continuous batching yet (its scaling pass"
                    + " needs paged rows of its own)");
        return base.newPagedCache(slots, maxSeq, blocks, blockSize);
    }

    /** A differentiable cache of the base; the scaling pass, which has no gradients, keeps a decoding one beside it. */
    @Override
    public KvCache newDifferentiableCache(int batch, int maxSeq) {
        KvCache c = base.newDifferentiableCache(batch, maxSeq);
        scalingCaches.put(c, base.newCache(batch, maxSeq));
        return c;
    }
}
