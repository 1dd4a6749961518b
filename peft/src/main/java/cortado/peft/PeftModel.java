package cortado.peft;

import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraLayer;
import cortado.peft.lora.LoraModule;
import cortado.peft.lora.MixedBatch;
import cortado.peft.lora.WeightedAdapterCombination;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.quant.nn.QuantizedLinear;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A base model with adapters injected, PEFT's {@code PeftModel} over a {@code BaseTuner}: the config's {@link Tuner}
 * (LoRA, IA3, BitFit, found from its peft_type) replaces the targeted layers by name with its {@link TunerLayer}s, the
 * base is frozen, and only the active adapter (with what the tuner adds, and the {@code modules_to_save} copies)
 * trains. The base is a {@link CausalLm} or any module tree with Hugging Face names and a model_type (a BERT encoder);
 * it stays the caller's: its forward, loss and generation run through the adapters. All adapters of one model are of
 * one method, as PEFT requires outside its mixed model.
 */
public final class PeftModel {
    /** PEFT's default adapter name, the one saved at the top of an adapter directory. */
    public static final String DEFAULT = "default";

    private final Module root;
    private final String modelType;
    private final CausalLm lm;
    private final Map<String, PeftConfig> configs = new LinkedHashMap<>();
    private Tuner<PeftConfig> tuner;
    private String active;
    private Consumer<String> warnings = m -> System.err.println("warning: " + m);
    private MixedBatch mixedBatch;   // made on first use (mixedBatch())

    private PeftModel(Module root, String modelType, CausalLm lm) {
        this.root = root;
        this.modelType = modelType;
        this.lm = lm;
    }

    /** PEFT's {@code get_peft_model(model, config)}: adapter "default", weights drawn from {@code seed}. */
    public static PeftModel wrap(CausalLm base, PeftConfig config, long seed) {
        return wrap(base, DEFAULT, config, seed);
    }

    /** As {@link #wrap(CausalLm, PeftConfig, long)} with the first adapter called {@code adapter}. */
    public static PeftModel wrap(CausalLm base, String adapter, PeftConfig config, long seed) {
        CausalLm lm = Tuners.forConfig(config).host(base);
        PeftModel p = new PeftModel(lm.module(), base.config().modelType(), lm);
        p.addAdapter(adapter, config, seed);
        return p;
    }

    /**
     * {@code get_peft_model} over any module tree with Hugging Face names, e.g. a {@code BertModel} or
     * {@code BertForSequenceClassification} with model_type {@code bert}; the model_type picks the default targets.
     */
    public static PeftModel wrapModule(Module base, String modelType, PeftConfig config, long seed) {
        PeftModel p = new PeftModel(base, modelType, null);
        p.addAdapter(DEFAULT, config, seed);
        return p;
    }

    /** The language model the adapters are in; an error for a PeftModel over an encoder. */
    public CausalLm model() {
        if (lm == null)
            throw new PeftException("this PeftModel wraps a " + root.getClass().getSimpleName() + ", not a causal LM");
        return lm;
    }

    /** The model tree (the adapters are in it). */
    public Module module() { return root; }

    /** The base's model_type. */
    public String modelType() { return modelType; }

    /** Whether the base is a causal LM ({@link #model()} works). */
    public boolean isCausalLm() { return lm != null; }

    /** The tuner of this model's adapters. */
    public Tuner<PeftConfig> tuner() { return tuner; }

    /** The config of an adapter with its targets resolved (the default or all-linear expanded to names). */
    public PeftConfig config(String adapter) {
        PeftConfig c = configs.get(adapter);
        if (c == null) throw new PeftException("no adapter '" + adapter + "' (have " + configs.keySet() + ")");
        return c;
    }

    public String activeAdapter() { return active; }

    /**
     * Replaces adapter {@code name}'s config by one of the same method with the same targets, as peft's tuners write
     * into their config while training (AdaLoRA's {@code update_and_allocate} sets {@code rank_pattern}); saved with
     * the adapter from then on.
     */
    public void updateConfig(String name, PeftConfig c) {
        PeftConfig old = config(name);
        if (old.getClass() != c.getClass() || !java.util.Objects.equals(old.targetModules(), c.targetModules()))
            throw new PeftException("adapter '" + name + "': an updated config must be a " + old.getClass().getSimpleName()
                    + " with the same targets");
        configs.put(name, c);
    }

    public List<String> adapterNames() { return List.copyOf(configs.keySet()); }

    /**
     * Adds adapter {@code name} on the modules {@code config} targets (PEFT's {@code add_adapter}) and makes it the
     * active one; a layer another adapter already wraps gains a second adapter.
     */
    public void addAdapter(String name, PeftConfig config, long seed) {
        if (configs.containsKey(name)) throw new PeftException("adapter '" + name + "' already exists");
        Tuner<PeftConfig> t = Tuners.forConfig(config);
        if (tuner != null && t != tuner)
            throw new PeftException("adapter '" + name + "' is " + config.peftType() + " but this model's adapters are "
                    + tuner.peftType() + " (one method per model, as PEFT outside its mixed model)");
        if (tuner != null && t.inPlace())
            throw new PeftException(t.peftType() + " trains the base's own tensors in place: a model has one such"
                    + " adapter, and '" + configs.keySet().iterator().next() + "' is already there");
        TargetMatcher.Resolved<PeftConfig> r = t.resolve(config, root, modelType);
        PeftConfig c = t.inject(root, r.modules(), name, r.config(), seed);
        if (!t.inPlace())
            for (String path : TargetMatcher.modulesToSave(c, root)) {
                Module m = root.get(path);
                if (m instanceof ModulesToSaveWrapper w) w.addAdapter(name);
                else root.replace(path, new ModulesToSaveWrapper(m, name));
            }
        tuner = t;
        configs.put(name, c);
        setAdapter(name);
    }

    /** Where warnings go (peft's {@code warnings.warn}); standard error by default, one {@code warning: } line each. */
    public void setWarnings(Consumer<String> sink) { warnings = sink; }

    /**
     * PEFT's {@code delete_adapter}: removes adapter {@code name}'s parameters from every layer and its modules_to_save
     * copies. A merged adapter must be unmerged first. If it was the active one, the active adapter moves as peft
     * moves it: to the alphabetically first adapter left on the first adapted layer (with peft's warning). The wrapped
     * layers stay wrapped, as in peft. Deleting the only adapter is refused: {@link #mergeAndUnload} gives the plain
     * model back.
     */
    public void deleteAdapter(String name) {
        config(name);
        if (configs.size() == 1)
            throw new PeftException("cannot delete adapter '" + name + "': it is the only one (merge_and_unload gives"
                    + " the base model back)");
        List<TunerLayer> layers = tunerLayers();
        for (TunerLayer t : layers)
            if (t.mergedAdapters().contains(name))
                throw new PeftException("cannot delete adapter '" + name + "' while it is merged (unmerge it first)");
        String next = null;
        for (TunerLayer t : layers) {
            if (t.adapterNames().contains(name)) t.deleteAdapter(name);
            if (next == null && !t.adapterNames().isEmpty()) next = new TreeSet<>(t.adapterNames()).first();
        }
        for (Module m : root.namedModules().values())
            if (m instanceof ModulesToSaveWrapper w) w.deleteAdapter(name);
        configs.remove(name);
        if (!name.equals(active)) {
            setAdapter(active);
            return;
        }
        if (next == null) next = new TreeSet<>(configs.keySet()).first();
        warnings.accept("Adapter " + name + " was active which is now deleted. Setting active adapter to " + next + ".");
        setAdapter(next);
    }

    /**
     * PEFT's {@code add_weighted_adapter(adapters, weights, adapter_name, combination_type, svd_rank, svd_clamp)} for
     * LoRA: adds adapter {@code name} combined from {@code adapters} ("linear", "cat" or "svd", see
     * {@link WeightedAdapterCombination}); {@code svdRank} and {@code svdClamp} may be null. As in peft the active
     * adapter stays the one it was and the new adapter is frozen until {@link #setAdapter} makes it active. An
     * existing {@code name} is an error (peft returns silently).
     */
    public void addWeightedAdapter(List<String> adapters, List<Double> weights, String name, String combinationType,
                                   Integer svdRank, Double svdClamp) {
        if (configs.containsKey(name)) throw new PeftException("adapter '" + name + "' already exists");
        if (!LoraConfig.PEFT_TYPE.equals(tuner.peftType()))
            throw new PeftException("add_weighted_adapter combines LoRA adapters; this model's adapters are "
                    + tuner.peftType());
        Map<String, LoraConfig> loraConfigs = new LinkedHashMap<>();
        configs.forEach((n, c) -> loraConfigs.put(n, (LoraConfig) c));
        WeightedAdapterCombination.Plan plan = WeightedAdapterCombination.plan(loraConfigs, adapters, weights,
                WeightedAdapterCombination.CombinationType.fromPeftName(combinationType), svdRank);
        for (Map.Entry<String, Module> e : root.namedModules().entrySet())
            if (e.getValue() instanceof ModulesToSaveWrapper w && adapters.stream().filter(w::has).count() > 1)
                throw new PeftException("cannot combine adapters " + adapters + ": more than one trains its own copy of "
                        + e.getKey() + " (modules_to_save), which cannot be merged");
        for (String a : adapters)
            if (loraConfigs.get(a).useDora())
                throw new PeftException("add_weighted_adapter: adapter '" + a + "' is a DoRA adapter; only plain LoRA"
                        + " adapters are combined");
        String previous = active;
        addAdapter(name, plan.config(), 0L);
        try {
            for (Map.Entry<String, Module> e : root.namedModules().entrySet()) {
                if (!(e.getValue() instanceof LoraModule l) || !l.adapterNames().contains(name)) continue;
                if (!(l instanceof LoraLayer layer))
                    throw new PeftException("add_weighted_adapter: " + e.getKey() + " is a LoRA Embedding layer, which"
                            + " is not combined (linear layers only)");
                WeightedAdapterCombination.combine(layer, name, adapters, weights, plan.type(), svdClamp);
            }
        } catch (RuntimeException e) {
            setAdapter(previous);
            deleteAdapter(name);   // a layer refused (e.g. svd_rank above its size): the half-made adapter goes
            throw e;
        }
        setAdapter(previous);
    }

    /** Makes {@code name} the adapter the forward pass applies and the one that trains (PEFT's {@code set_adapter}). */
    public void setAdapter(String name) {
        config(name);
        active = name;
        for (Module m : root.namedModules().values()) {
            if (m instanceof TunerLayer l) l.setActiveAdapters(l.adapterNames().contains(name) ? List.of(name) : List.of());
            if (m instanceof ModulesToSaveWrapper w) w.setActive(name);
        }
        tuner.activate(root, name, true);
        markTrainable();
    }

    /** Freezes everything, then unfreezes what the active adapter trains. */
    private void markTrainable() {
        root.namedParameters().values().forEach(p -> p.setTrainable(false));
        adapterParameters(active).values().forEach(p -> p.setTrainable(true));
    }

    /**
     * What adapter {@code name} trains, by full dotted name: the tuner's parameters and the modules_to_save copies
     * (BitFit, which trains in place: the modules_to_save modules' own parameters).
     */
    public Map<String, Parameter> adapterParameters(String name) {
        PeftConfig c = config(name);
        Map<String, Parameter> out = tuner.trainable(root, name, c);
        root.namedModules().forEach((path, m) -> {
            if (m instanceof ModulesToSaveWrapper w && w.has(name))
                w.copy(name).namedParameters().forEach((k, p) -> out.put(path + ".modules_to_save." + name + "." + k, p));
        });
        return out;
    }

    /**
     * (trainable, all) parameter counts, as PEFT's {@code get_nb_trainable_parameters}: a frozen quantized layer's
     * weight counts its out x in elements (PEFT counts a bitsandbytes {@code Params4bit} as twice its packed bytes).
     */
    public long[] trainableAndAll() {
        long trainable = 0, all = 0;
        for (Parameter p : root.namedParameters().values()) {
            all += p.numel();
            if (p.trainable()) trainable += p.numel();
        }
        for (Module m : root.namedModules().values())
            if (m instanceof QuantizedLinear q) all += (long) q.outFeatures() * q.inFeatures();
        return new long[] {trainable, all};
    }

    /** PEFT's {@code print_trainable_parameters} line, e.g. {@code trainable params: 294,912 || all params: ... || trainable%: 0.2364}. */
    public String trainableLine() {
        long[] c = trainableAndAll();
        return trainableLine(c[0], c[1]);
    }

    /** {@code f"trainable params: {t:,d} || all params: {a:,d} || trainable%: {100 * t / a:.4f}"}. */
    public static String trainableLine(long trainable, long all) {
        return String.format(Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f", trainable, all,
                100.0 * trainable / all);
    }

    /** The method's name in messages: "LoRA", else its peft_type ("IA3"). */
    private String methodName() { return LoraConfig.PEFT_TYPE.equals(tuner.peftType()) ? "LoRA" : tuner.peftType(); }

    private List<TunerLayer> tunerLayers() {
        List<TunerLayer> out = new ArrayList<>();
        for (Module m : root.namedModules().values()) if (m instanceof TunerLayer t) out.add(t);
        return out;
    }

    /**
     * Folds the active adapter into the base weights (PEFT's {@code merge_adapter}). Quantized bases are decoded,
     * merged and quantized again, which rounds: one warning says so, as peft's bnb layers warn.
     */
    public void merge() {
        if (tuner.unmergeable() != null) throw new PeftException(tuner.unmergeable());
        long rounding = tunerLayers().stream().filter(t -> t.baseLayer() instanceof QuantizedLinear
                && t.activeAdapters().stream().anyMatch(a -> !t.mergedAdapters().contains(a))).count();
        if (rounding > 0)
            warnings.accept("merging " + methodName() + " into " + rounding + " quantized layer(s): each merged weight is quantized"
                    + " again, so outputs may differ from the unmerged model by rounding errors");
        tunerLayers().forEach(TunerLayer::merge);
    }

    /** Takes merged adapters out of the base weights again ({@code unmerge_adapter}); on quantized bases this rounds too. */
    public void unmerge() {
        long rounding = tunerLayers().stream()
                .filter(t -> t.baseLayer() instanceof QuantizedLinear && !t.mergedAdapters().isEmpty()).count();
        if (rounding > 0)
            warnings.accept("unmerging " + methodName() + " from " + rounding + " quantized layer(s): each weight is quantized again,"
                    + " so it does not return exactly to the weight before merging");
        tunerLayers().forEach(TunerLayer::unmerge);
    }

    /**
     * PEFT's {@code merge_and_unload}: merges the active adapter, puts every base layer back in its place (the
     * modules_to_save copy in place of its original) and returns the plain model; this PeftModel is spent.
     */
    public CausalLm mergeAndUnload() {
        CausalLm m = model();
        mergeAndUnloadModule();
        return m;
    }

    /** {@link #mergeAndUnload()} for any base: returns the plain module tree. */
    public Module mergeAndUnloadModule() {
        merge();
        for (Map.Entry<String, Module> e : new ArrayList<>(root.namedModules().entrySet())) {
            if (e.getValue() instanceof TunerLayer l) root.replace(e.getKey(), l.baseLayer());
            else if (e.getValue() instanceof ModulesToSaveWrapper w)
                root.replace(e.getKey(), w.has(active) ? w.copy(active) : w.original());
        }
        root.namedParameters().values().forEach(p -> p.setTrainable(true));
        configs.clear();
        return root;
    }

    /**
     * PEFT's mixed-batch inference ({@code adapter_names} in forward and generate): the router every LoRA layer of
     * this model shares, so that one forward pass applies to each token row its own adapter or none (see
     * {@link MixedBatch}). LoRA adapters on linear layers only: another tuner's layer, or a LoRA embedding, is refused.
     * Call it again after adding an adapter: layers the new adapter wrapped join the same router.
     */
    public MixedBatch mixedBatch() {
        MixedBatch batch = mixedBatch != null ? mixedBatch : new MixedBatch();
        int layers = 0;
        for (Map.Entry<String, Module> e : root.namedModules().entrySet()) {
            if (e.getValue() instanceof LoraLayer l) {
                l.mixedBatch(batch);
                layers++;
            } else if (e.getValue() instanceof TunerLayer t) {
                throw new PeftException("mixed-batch inference takes LoRA adapters on linear layers; " + e.getKey()
                        + " is a " + t.getClass().getSimpleName());
            }
        }
        if (layers == 0) throw new PeftException("mixed-batch inference needs LoRA layers, and this model has none");
        return mixedBatch = batch;
    }

    /** A scope in which the base runs alone (PEFT's {@code with model.disable_adapter():}). */
    public AutoCloseable disableAdapters() {
        if (tuner.inPlace())
            throw new PeftException(tuner.peftType() + " trains the base's own tensors in place: there is no separate"
                    + " adapter to disable");
        setEnabled(false);
        return () -> setEnabled(true);
    }

    private void setEnabled(boolean on) {
        for (Module m : root.namedModules().values()) {
            if (m instanceof TunerLayer t) t.enableAdapters(on);
            if (m instanceof ModulesToSaveWrapper w) w.enable(on);
        }
        tuner.activate(root, active, on);
    }

    /**
     * The tensors of one adapter under the keys its tuner saves them with: PEFT's {@code get_peft_model_state_dict}
     * ({@code base_model.model.} + the module name + {@code lora_A.weight} / {@code ia3_l}, the adapter name dropped,
     * modules_to_save copies under their module's name), and the frozen tensors the tuner saves besides
     * ({@link Tuner#savedFrozen}); BitFit's under the base's own names.
     */
    public Map<String, Parameter> adapterStateDict(String adapter) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        adapterParameters(adapter).forEach((n, p) -> out.put(tuner.savedKey(n, adapter), p));
        tuner.savedFrozen(root, modelType, adapter, config(adapter)).forEach((n, p) -> out.put(tuner.savedKey(n, adapter), p));
        return out;
    }

    /** The same tensors, by value. */
    public Map<String, Tensor> adapterTensors(String adapter) {
        return tuner.savedValues(root, adapter, config(adapter), adapterStateDict(adapter));
    }
}
