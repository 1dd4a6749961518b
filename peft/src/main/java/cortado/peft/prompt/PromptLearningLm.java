package cortado.peft.prompt;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Module;
import cortado.nn.models.CausalLm;
import cortado.nn.models.InputsEmbeds;
import cortado.nn.models.KvCache;
import cortado.nn.models.PagedKvCache;
import cortado.nn.models.ModelConfig;
import cortado.peft.PeftException;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A causal LM with a prompt-learning adapter, peft's {@code PeftModelForCausalLM} for prompt learning: the module tree
 * is peft's ({@code base_model.<the base's names>}, {@code prompt_encoder.<adapter>.<encoder>}) and every forward puts
 * the active adapter's virtual tokens in front of each row.
 * <ul>
 *   <li>Prompt tuning and P-tuning: the encoder's {@code [P, C]} output goes before the token embeddings
 *       ({@code inputs_embeds = cat(prompts, embeds)}), positions 0..P-1 are the prompt's and the tokens count on
 *       from P; the logits returned are the tokens' ({@code [B, T, V]}, peft's are {@code [B, P+T, V]}), and the loss
 *       skips the prompt (peft's -100 labels in front).</li>
 *   <li>Prefix tuning: the encoder's {@code [P, L * 2 * Hkv * D]} output is every layer's past keys and values
 *       {@code [B, Hkv, P, D]} ({@link KvCache#prefix}), so every token attends to them; positions count from P,
 *       as transformers numbers tokens after a filled cache.</li>
 * </ul>
 * Generation goes through the same calls: a forward into an empty cache is the prefill, which places the prompt (or
 * the prefix) in front; batched left-padded prompts keep each row as it would be alone (row b is
 * {@code [padding][virtual tokens][tokens]}, or the prefix then padding then tokens, its positions counted from its
 * first virtual token), which is what peft's batched generation does for prefix tuning (for prompt tuning and
 * P-tuning peft places the prompt before the padding and counts positions through it, so padded rows differ there).
 * The context window left for tokens is the base's minus P ({@link #config()}). Multitask prompt tuning's prompt
 * depends on each row's task: the calls take the rows' task ids from {@link #withTaskIds} (or one task for every row,
 * {@link #taskForEveryRow}), and refuse to run without them.
 */
public final class PromptLearningLm extends Module implements CausalLm {
    private final CausalLm base;
    private final Encoders encoders;
    private final Map<String, PromptLearningConfig> configs = new LinkedHashMap<>();
    private String active;
    private boolean enabled = true;
    /** Each row's task (multitask prompt tuning's task_ids) for the calls inside {@link #withTaskIds}, else null. */
    private int[] taskIds;
    /** The task of every row of a call given no task ids ({@link #taskForEveryRow}), or -1 for none. */
    private int everyRowTask = -1;

    /** The per-adapter encoders, peft's {@code prompt_encoder} ModuleDict. */
    static final class Encoders extends Module {
        void add(String name, BasePromptEncoder e) { child(name, e); }

        BasePromptEncoder encoder(String name) { return childAt(name); }
    }

    public PromptLearningLm(CausalLm base) {
        if (base instanceof PromptLearningLm)
            throw new PeftException("this model already has prompt learning: add an adapter to it instead");
        this.base = base;
        child("base_model", base.module());
        this.encoders = child("prompt_encoder", new Encoders());
    }

    /** The model the virtual tokens are put in front of. */
    public CausalLm base() { return base; }

    /** Adds adapter {@code name}'s encoder ({@code config} with its sizes resolved) and makes it active. */
    public void addAdapter(String name, PromptLearningConfig config, BasePromptEncoder encoder) {
        if (configs.containsKey(name)) throw new PeftException("adapter '" + name + "' already exists");
        encoders.add(name, encoder);
        configs.put(name, config);
        active = name;
    }

    /** The encoder of an adapter. */
    public BasePromptEncoder encoder(String name) {
        if (!configs.containsKey(name)) throw new PeftException("no prompt adapter '" + name + "' (have " + configs.keySet() + ")");
        return encoders.encoder(name);
    }

    /** Makes {@code name} the adapter every forward uses; {@code on} false runs the base alone. */
    public void activate(String name, boolean on) {
        encoder(name);
        active = name;
        enabled = on;
    }

    /**
     * Runs {@code body} with row b of every forward, loss and prefill in it taking task {@code taskIds[b]}: peft's
     * {@code task_ids} argument, which multitask prompt tuning needs (the other methods have one prompt for every
     * row and ignore it). Generation takes it too: the prompt goes in at the prefill, one row per task id.
     */
    public <T> T withTaskIds(int[] taskIds, Supplier<T> body) {
        int[] before = this.taskIds;
        this.taskIds = taskIds == null ? null : taskIds.clone();
        try {
            return body.get();
        } finally {
            this.taskIds = before;
        }
    }

    /**
     * Makes every row of every later call given no task ids ({@link #withTaskIds}) take task {@code task}, e.g. a
     * one-task adapter served or scored by code that knows no task ids; -1 turns it off (such calls are refused
     * again, as peft refuses task_ids None).
     */
    public void taskForEveryRow(int task) { everyRowTask = task; }

    private int[] taskIds(int batch) {
        if (taskIds != null || everyRowTask < 0) return taskIds;
        int[] all = new int[batch];
        Arrays.fill(all, everyRowTask);
        return all;
    }

    /** {@link #forward(int[], int, int)} with a task id per row ({@link #withTaskIds}). */
    public Tensor forward(int[] ids, int[] taskIds, int batch, int seq) {
        return withTaskIds(taskIds, () -> forward(ids, batch, seq));
    }

    /** {@link #loss(int[], int[], int, int)} with a task id per row ({@link #withTaskIds}). */
    public Tensor loss(int[] ids, int[] targets, int[] taskIds, int batch, int seq) {
        return withTaskIds(taskIds, () -> loss(ids, targets, batch, seq));
    }

    private boolean prompting() { return enabled && active != null; }

    private int virtualTokens() { return prompting() ? encoder(active).tokens() : 0; }

    /** The base's config, with a context window P positions shorter (the virtual tokens take them). */
    @Override
    public ModelConfig config() {
        ModelConfig c = base.config();
        int p = configs.values().stream().mapToInt(x -> x.fields().numVirtualTokens()).max().orElse(0);
        return new ModelConfig() {
            @Override public String modelType() { return c.modelType(); }

            @Override public int vocabSize() { return c.vocabSize(); }

            @Override public int maxPositions() { return c.maxPositions() - p; }

            @Override public Map<String, Object> toHfJson() { return c.toHfJson(); }

            @Override public List<Integer> eosTokenIds() { return c.eosTokenIds(); }
        };
    }

    @Override public Module module() { return this; }

    @Override
    public Tensor forward(int[] ids, int batch, int seq) {
        if (!prompting()) return base.forward(ids, batch, seq);
        if (prefixActive()) {
            KvCache cache = prefixCache(batch, seq);
            putPrefix(cache, batch);
            return base.forward(ids, batch, seq, cache);
        }
        return forwardEmbeds(base.embed(ids), batch, seq);
    }

    @Override
    public Tensor forward(int[] ids, int batch, int seq, KvCache cache) {
        if (cache == null) return forward(ids, batch, seq);
        if (!prompting() || cache.length() != 0) return base.forward(ids, batch, seq, cache);
        if (prefixActive()) {
            prefill(cache, batch);
            return base.forward(ids, batch, seq, cache);
        }
        return forwardEmbeds(base.embed(ids), batch, seq, cache);
    }

    @Override
    public Tensor nextTokenLogits(int[] ids, int batch, int seq, KvCache cache) {
        if (!prompting() || cache.length() != 0) return base.nextTokenLogits(ids, batch, seq, cache);
        if (prefixActive()) {
            prefill(cache, batch);
            return base.nextTokenLogits(ids, batch, seq, cache);
        }
        return nextTokenLogitsFromEmbeds(base.embed(ids), batch, seq, cache);
    }

    /** The tokens' hidden rows {@code [B, T, C]} (the prompt's dropped), as {@link #forward}'s logits are the tokens'. */
    @Override
    public Tensor lastHiddenState(int[] ids, int batch, int seq) {
        if (!prompting()) return base.lastHiddenState(ids, batch, seq);
        if (prefixActive()) {
            KvCache cache = prefixCache(batch, seq);
            putPrefix(cache, batch);
            return base.lastHiddenState(ids, batch, seq, cache);
        }
        return lastHiddenStateFromEmbeds(base.embed(ids), batch, seq);
    }

    @Override
    public Tensor lastHiddenState(int[] ids, int batch, int seq, KvCache cache) {
        if (cache == null) return lastHiddenState(ids, batch, seq);
        if (!prompting() || cache.length() != 0) return base.lastHiddenState(ids, batch, seq, cache);
        if (prefixActive()) {
            prefill(cache, batch);
            return base.lastHiddenState(ids, batch, seq, cache);
        }
        return lastHiddenStateFromEmbeds(base.embed(ids), batch, seq, cache);
    }

    @Override
    public Tensor lastHiddenStateFromEmbeds(Tensor inputsEmbeds, int batch, int seq) {
        if (!prompting()) return base.lastHiddenStateFromEmbeds(inputsEmbeds, batch, seq);
        if (prefixActive()) {
            KvCache cache = prefixCache(batch, seq);
            putPrefix(cache, batch);
            return base.lastHiddenStateFromEmbeds(inputsEmbeds, batch, seq, cache);
        }
        int p = virtualTokens();
        Tensor h = base.lastHiddenStateFromEmbeds(withPrompt(inputsEmbeds, batch, seq, null), batch, p + seq);
        return F.slice(h, 1, p, p + seq);
    }

    @Override
    public Tensor lastHiddenStateFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        if (cache == null) return lastHiddenStateFromEmbeds(inputsEmbeds, batch, seq);
        if (!prompting() || cache.length() != 0) return base.lastHiddenStateFromEmbeds(inputsEmbeds, batch, seq, cache);
        if (prefixActive()) {
            prefill(cache, batch);
            return base.lastHiddenStateFromEmbeds(inputsEmbeds, batch, seq, cache);
        }
        int p = virtualTokens();
        Tensor h = base.lastHiddenStateFromEmbeds(withPrompt(inputsEmbeds, batch, seq, cache), batch, p + seq, cache);
        return F.slice(h, 1, p, p + seq);
    }

    @Override public Tensor lmHead(Tensor hidden) { return base.lmHead(hidden); }

    @Override
    public Tensor forwardPacked(int[] ids, int[] positions, int batch, int seq) {
        if (!prompting()) return base.forwardPacked(ids, positions, batch, seq);
        throw packed();
    }

    @Override
    public Tensor lossPacked(int[] ids, int[] targets, int[] positions, int batch, int seq) {
        if (!prompting()) return base.lossPacked(ids, targets, positions, batch, seq);
        throw packed();
    }

    private static PeftException packed() {
        return new PeftException("rows packed with several sequences cannot take prompt learning's virtual tokens"
                + " (one prompt per row, as peft prepends it): train without packing");
    }

    @Override
    public KvCache newCache(int batch, int maxSeq) { return base.newCache(batch, maxSeq + virtualTokens()); }

    /** Refused: paged rows take no prefix of virtual tokens yet, so continuous batching cannot add them. */
    @Override
    public PagedKvCache newPagedCache(int slots, int maxSeq, int blocks, int blockSize) {
        throw new PeftException("a prompt-learning adapter cannot run with continuous batching yet (its virtual tokens"
                + " need a per-row prefix in the paged KV cache)");
    }

    @Override
    public KvCache newDifferentiableCache(int batch, int maxSeq) {
        return base.newDifferentiableCache(batch, maxSeq + virtualTokens());
    }

    @Override public Tensor embed(int[] ids) { return base.embed(ids); }

    @Override
    public Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq) {
        if (!prompting()) return base.forwardEmbeds(inputsEmbeds, batch, seq);
        if (prefixActive()) {
            KvCache cache = prefixCache(batch, seq);
            putPrefix(cache, batch);
            return base.forwardEmbeds(inputsEmbeds, batch, seq, cache);
        }
        int p = virtualTokens();
        Tensor logits = base.forwardEmbeds(withPrompt(inputsEmbeds, batch, seq, null), batch, p + seq);
        return F.slice(logits, 1, p, p + seq);
    }

    @Override
    public Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        if (cache == null) return forwardEmbeds(inputsEmbeds, batch, seq);
        if (!prompting() || cache.length() != 0) return base.forwardEmbeds(inputsEmbeds, batch, seq, cache);
        if (prefixActive()) {
            prefill(cache, batch);
            return base.forwardEmbeds(inputsEmbeds, batch, seq, cache);
        }
        int p = virtualTokens();
        Tensor logits = base.forwardEmbeds(withPrompt(inputsEmbeds, batch, seq, cache), batch, p + seq, cache);
        return F.slice(logits, 1, p, p + seq);
    }

    @Override
    public Tensor nextTokenLogitsFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        if (!prompting() || cache.length() != 0) return base.nextTokenLogitsFromEmbeds(inputsEmbeds, batch, seq, cache);
        if (prefixActive()) {
            prefill(cache, batch);
            return base.nextTokenLogitsFromEmbeds(inputsEmbeds, batch, seq, cache);
        }
        return base.nextTokenLogitsFromEmbeds(withPrompt(inputsEmbeds, batch, seq, cache), batch,
                virtualTokens() + seq, cache);
    }

    @Override
    public Tensor lossFromEmbeds(Tensor inputsEmbeds, int[] targets, int batch, int seq) {
        if (!prompting()) return base.lossFromEmbeds(inputsEmbeds, targets, batch, seq);
        if (prefixActive()) return crossEntropy(forwardEmbeds(inputsEmbeds, batch, seq), targets, batch, seq);
        int p = virtualTokens();
        return base.lossFromEmbeds(withPrompt(inputsEmbeds, batch, seq, null), promptTargets(targets, batch, seq, p),
                batch, p + seq);
    }

    @Override
    public Tensor loss(int[] ids, int[] targets, int batch, int seq) {
        if (!prompting()) return base.loss(ids, targets, batch, seq);
        if (prefixActive()) return crossEntropy(forward(ids, batch, seq), targets, batch, seq);
        return lossFromEmbeds(base.embed(ids), targets, batch, seq);
    }

    private Tensor crossEntropy(Tensor logits, int[] targets, int batch, int seq) {
        if (targets.length != batch * seq)
            throw new IllegalArgumentException("targets has " + targets.length + " ids, expected B*T = " + batch * seq);
        return F.crossEntropy(F.reshape(logits, batch * seq, base.config().vocabSize()), targets, IGNORE_INDEX);
    }

    /** peft's labels: -100 for the P virtual tokens in front of each row's targets. */
    private static int[] promptTargets(int[] targets, int batch, int seq, int p) {
        if (targets.length != batch * seq)
            throw new IllegalArgumentException("targets has " + targets.length + " ids, expected B*T = " + batch * seq);
        int[] out = new int[batch * (p + seq)];
        for (int b = 0; b < batch; b++) {
            Arrays.fill(out, b * (p + seq), b * (p + seq) + p, IGNORE_INDEX);
            System.arraycopy(targets, b * seq, out, b * (p + seq) + p, seq);
        }
        return out;
    }

    private boolean prefixActive() { return configs.get(active).prefix(); }

    /**
     * Rows {@code [B * (P + T), C]}: each row's token embeddings with the prompt inserted after its left padding (the
     * cache's, none without one), so the row reads {@code [padding][prompt][tokens]}.
     */
    private Tensor withPrompt(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        List<Tensor> prompts = encoder(active).rowOutputs(taskIds(batch), batch);
        int c = prompts.get(0).size(1);
        Tensor rows = InputsEmbeds.rows(inputsEmbeds, batch, seq, c);
        List<Tensor> parts = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int pad = cache == null ? 0 : cache.padding(b);
            if (pad > 0) parts.add(F.slice(rows, 0, b * seq, b * seq + pad));
            parts.add(prompts.get(b));
            if (pad < seq) parts.add(F.slice(rows, 0, b * seq + pad, (b + 1) * seq));
        }
        return F.concat(0, parts.toArray(Tensor[]::new));
    }

    /**
     * The cache a forward without one puts the prefix in: differentiable while gradients are recorded (they reach the
     * prefix through it), else one that copies into its own buffers, so an evaluation forward still frees each
     * layer's activations as it goes ({@code DecoderLayer.stack}).
     */
    private KvCache prefixCache(int batch, int seq) {
        return NoGrad.active() ? base.newCache(batch, virtualTokens() + seq)
                : base.newDifferentiableCache(batch, virtualTokens() + seq);
    }

    /** A prefill of an empty cache with a prefix: the prefix first, then the padding the caller declared. */
    private void prefill(KvCache cache, int batch) {
        int[] pads = new int[batch];
        for (int b = 0; b < batch; b++) pads[b] = cache.padding(b);
        cache.reset();
        putPrefix(cache, batch);
        if (Arrays.stream(pads).anyMatch(x -> x > 0)) cache.pad(pads);
    }

    /**
     * peft's {@code get_prompt} for prefix tuning: the output {@code [P, L * 2 * H * D]} viewed as
     * {@code [P, 2L, H, D]} and permuted to {@code [2L, H, P, D]}; layer l's keys are entry 2l, its values 2l + 1,
     * repeated for every row.
     */
    private void putPrefix(KvCache cache, int batch) {
        PromptFields f = configs.get(active).fields();
        int p = f.numVirtualTokens(), layers = f.numLayers(), heads = f.numAttentionHeads(), d = f.tokenDim() / heads;
        Tensor kv = F.permute(F.reshape(encoder(active).output(), p, 2 * layers, heads, d), 1, 2, 0, 3);
        Tensor[] keys = new Tensor[layers], values = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = rowsOf(F.slice(kv, 0, 2 * l, 2 * l + 1), batch);
            values[l] = rowsOf(F.slice(kv, 0, 2 * l + 1, 2 * l + 2), batch);
        }
        cache.prefix(keys, values);
    }

    /** {@code [1, H, P, D]} repeated to {@code [B, H, P, D]}. */
    private static Tensor rowsOf(Tensor one, int batch) {
        if (batch == 1) return one;
        Tensor[] copies = new Tensor[batch];
        Arrays.fill(copies, one);
        return F.concat(0, copies);
    }
}
