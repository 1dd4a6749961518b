package cortado.peft;

import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraLayer;
import cortado.peft.lora.LoraModule;
import cortado.peft.lora.LoraSpec;
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
 * A base model with LoRA adapters injected, PEFT's {@code PeftModel} over a {@code LoraModel}: the targeted layers are
 * replaced by name with LoRA layers ({@link cortado.peft.lora.LoraLayer}, {@link cortado.peft.lora.LoraEmbedding}), the base is frozen, only the active adapter (with the biases
 * {@link LoraConfig#bias} asks for and the {@code modules_to_save} copies) trains. The model object stays the caller's:
 * its forward, loss and generation run through the adapters.
 */
public final class PeftModel {
    /** PEFT's default adapter name, the one saved at the top of an adapter directory. */
    public static final String DEFAULT = "default";
    /** The prefix of every key in adapter_model.safetensors. */
    static final String KEY_PREFIX = "base_model.model.";

    private final CausalLm model;
    private final Map<String, LoraConfig> configs = new LinkedHashMap<>();
    private String active;
    private Consumer<String> warnings = m -> System.err.println("warning: " + m);

    private PeftModel(CausalLm model) { this.model = model; }

    /** PEFT's {@code get_peft_model(model, config)}: adapter "default", weights drawn from {@code seed}. */
    public static PeftModel wrap(CausalLm base, LoraConfig config, long seed) {
        PeftModel p = new PeftModel(base);
        p.addAdapter(DEFAULT, config, seed);
        return p;
    }

    public CausalLm model() { return model; }

    public Module module() { return model.module(); }

    /** The config of an adapter with its targets resolved (the default or all-linear expanded to names). */
    public LoraConfig config(String adapter) {
        LoraConfig c = configs.get(adapter);
        if (c == null) throw new PeftException("no adapter '" + adapter + "' (have " + configs.keySet() + ")");
        return c;
    }

    public String activeAdapter() { return active; }

    public List<String> adapterNames() { return List.copyOf(configs.keySet()); }

    /**
     * Adds adapter {@code name} on the modules {@code config} targets (PEFT's {@code add_adapter}) and makes it the
     * active one; a layer another adapter already wraps gains a second adapter.
     */
    public void addAdapter(String name, LoraConfig config, long seed) {
        if (configs.containsKey(name)) throw new PeftException("adapter '" + name + "' already exists");
        Module root = model.module();
        TargetMatcher.Resolved r = TargetMatcher.resolve(config, root, model.config().modelType());
        LoraConfig c = r.config();
        // PEFT's _create_new_module corrects fan_in_fan_out to the layer kind (with a warning) and saves the corrected
        // value: true on GPT-2's Conv1D, false on Linear. The delta's layout follows the base layer's class either way.
        boolean conv = r.modules().stream().anyMatch(p -> unwrapped(root.get(p)) instanceof cortado.nn.Conv1D);
        if (conv != c.fanInFanOut()) c = c.withFanInFanOut(conv);
        for (String path : r.modules()) {
            Module m = root.get(path);
            LoraModule layer = m instanceof LoraModule l ? l : LoraModule.wrap(m);
            if (layer != m) root.replace(path, (Module) layer);
            layer.addAdapter(name, LoraSpec.of(c, path, seed ^ (path.hashCode() * 0x9e3779b97f4a7c15L)));
        }
        for (String path : modulesToSave(root, c)) {
            Module m = root.get(path);
            if (m instanceof ModulesToSaveWrapper w) w.addAdapter(name);
            else root.replace(path, new ModulesToSaveWrapper(m, name));
        }
        configs.put(name, c);
        setAdapter(name);
    }

    private static Module unwrapped(Module m) { return m instanceof TunerLayer t ? t.baseLayer() : m; }

    /** PEFT's {@code _set_trainable}: the modules whose name equals an entry of modules_to_save or ends with it. */
    private static List<String> modulesToSave(Module root, LoraConfig c) {
        List<String> out = new ArrayList<>();
        if (c.modulesToSave().isEmpty()) return out;
        for (String name : root.namedModules().keySet()) {
            if (name.isEmpty() || name.contains(".original_module") || name.contains(".modules_to_save.")) continue;
            for (String m : c.modulesToSave())
                if (name.equals(m) || name.endsWith("." + m)) { out.add(name); break; }
        }
        if (out.isEmpty())
            throw new PeftException("modules_to_save " + c.modulesToSave() + " matched no module of the base model");
        return out;
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
        for (Module m : model.module().namedModules().values())
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
        WeightedAdapterCombination.Plan plan = WeightedAdapterCombination.plan(configs, adapters, weights,
                WeightedAdapterCombination.CombinationType.fromPeftName(combinationType), svdRank);
        for (Map.Entry<String, Module> e : model.module().namedModules().entrySet())
            if (e.getValue() instanceof ModulesToSaveWrapper w && adapters.stream().filter(w::has).count() > 1)
                throw new PeftException("cannot combine adapters " + adapters + ": more than one trains its own copy of "
                        + e.getKey() + " (modules_to_save), which cannot be merged");
        for (String a : adapters)
            if (configs.get(a).useDora())
                throw new PeftException("add_weighted_adapter: adapter '" + a + "' is a DoRA adapter; only plain LoRA"
                        + " adapters are combined");
        String previous = active;
        addAdapter(name, plan.config(), 0L);
        try {
            for (Map.Entry<String, Module> e : model.module().namedModules().entrySet()) {
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
        for (Module m : model.module().namedModules().values()) {
            if (m instanceof LoraModule l && l.adapterNames().contains(name)) l.setActiveAdapters(List.of(name));
            else if (m instanceof LoraModule l) l.setActiveAdapters(List.of());
            if (m instanceof ModulesToSaveWrapper w) w.setActive(name);
        }
        markTrainable();
    }

    /** Freezes everything, then unfreezes the active adapter, its bias choice and its modules_to_save copies. */
    private void markTrainable() {
        Module root = model.module();
        LoraConfig c = configs.get(active);
        root.namedParameters().values().forEach(p -> p.setTrainable(false));
        root.namedModules().forEach((path, m) -> {
            if (m instanceof LoraModule l && l.adapterNames().contains(active)) {
                l.adapterParameters(active).values().forEach(p -> p.setTrainable(true));
                if (c.bias() == Bias.LORA_ONLY) {
                    Parameter b = l.baseLayer().ownParameters().get("bias");
                    if (b != null) b.setTrainable(true);
                }
            }
            if (m instanceof ModulesToSaveWrapper w && w.has(active))
                w.copy(active).namedParameters().values().forEach(p -> p.setTrainable(true));
        });
        if (c.bias() == Bias.ALL)
            root.namedParameters().forEach((n, p) -> { if (n.contains("bias")) p.setTrainable(true); });
    }

    /** (trainable, all) parameter counts, as PEFT's {@code get_nb_trainable_parameters} (fp32 bases). */
    public long[] trainableAndAll() {
        long trainable = 0, all = 0;
        for (Parameter p : model.module().namedParameters().values()) {
            all += p.numel();
            if (p.trainable()) trainable += p.numel();
        }
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

    private List<TunerLayer> tunerLayers() {
        List<TunerLayer> out = new ArrayList<>();
        for (Module m : model.module().namedModules().values()) if (m instanceof TunerLayer t) out.add(t);
        return out;
    }

    /**
     * Folds the active adapter into the base weights (PEFT's {@code merge_adapter}). Quantized bases are decoded,
     * merged and quantized again, which rounds: one warning says so, as peft's bnb layers warn.
     */
    public void merge() {
        long rounding = tunerLayers().stream().filter(t -> t.baseLayer() instanceof QuantizedLinear
                && t.activeAdapters().stream().anyMatch(a -> !t.mergedAdapters().contains(a))).count();
        if (rounding > 0)
            warnings.accept("merging LoRA into " + rounding + " quantized layer(s): each merged weight is quantized"
                    + " again, so outputs may differ from the unmerged model by rounding errors");
        tunerLayers().forEach(TunerLayer::merge);
    }

    /** Takes merged adapters out of the base weights again ({@code unmerge_adapter}); on quantized bases this rounds too. */
    public void unmerge() {
        long rounding = tunerLayers().stream()
                .filter(t -> t.baseLayer() instanceof QuantizedLinear && !t.mergedAdapters().isEmpty()).count();
        if (rounding > 0)
            warnings.accept("unmerging LoRA from " + rounding + " quantized layer(s): each weight is quantized again,"
                    + " so it does not return exactly to the weight before merging");
        tunerLayers().forEach(TunerLayer::unmerge);
    }

    /**
     * PEFT's {@code merge_and_unload}: merges the active adapter, puts every base layer back in its place (the
     * modules_to_save copy in place of its original) and returns the plain model; this PeftModel is spent.
     */
    public CausalLm mergeAndUnload() {
        merge();
        Module root = model.module();
        for (Map.Entry<String, Module> e : new ArrayList<>(root.namedModules().entrySet())) {
            if (e.getValue() instanceof LoraModule l) root.replace(e.getKey(), l.baseLayer());
            else if (e.getValue() instanceof ModulesToSaveWrapper w)
                root.replace(e.getKey(), w.has(active) ? w.copy(active) : w.original());
        }
        root.namedParameters().values().forEach(p -> p.setTrainable(true));
        configs.clear();
        return model;
    }

    /** A scope in which the base runs alone (PEFT's {@code with model.disable_adapter():}). */
    public AutoCloseable disableAdapters() {
        setEnabled(false);
        return () -> setEnabled(true);
    }

    private void setEnabled(boolean on) {
        for (Module m : model.module().namedModules().values()) {
            if (m instanceof TunerLayer t) t.enableAdapters(on);
            if (m instanceof ModulesToSaveWrapper w) w.enable(on);
        }
    }

    /**
     * The tensors of one adapter under PEFT's saved keys ({@code get_peft_model_state_dict}): {@code base_model.model.}
     * + the module name + {@code lora_A.weight} (the adapter name dropped), the biases {@code bias} asks for, and the
     * modules_to_save copies under their module's name.
     */
    public Map<String, Parameter> adapterStateDict(String adapter) {
        LoraConfig c = config(adapter);
        Map<String, Parameter> out = new LinkedHashMap<>();
        Module root = model.module();
        root.namedModules().forEach((path, m) -> {
            if (m instanceof LoraModule l && l.adapterNames().contains(adapter)) {
                l.adapterParameters(adapter).forEach((k, p) -> out.put(KEY_PREFIX + path + "." + savedKey(k, adapter), p));
                Parameter b = l.baseLayer().ownParameters().get("bias");
                if (c.bias() == Bias.LORA_ONLY && b != null) out.put(KEY_PREFIX + path + ".base_layer.bias", b);
            }
            if (m instanceof ModulesToSaveWrapper w)
                w.copy(adapter).namedParameters().forEach((k, p) -> out.put(KEY_PREFIX + path + "." + k, p));
        });
        if (c.bias() == Bias.ALL)
            root.namedParameters().forEach((n, p) -> {
                if (n.contains("bias") && !n.contains(".modules_to_save.")) out.put(KEY_PREFIX + n, p);
            });
        if (savesEmbeddingLayers(c))
            for (String path : List.of(inputEmbeddingsPath(model.config().modelType()), "lm_head"))
                if (root.namedModules().get(path) instanceof LoraModule l && l.adapterNames().contains(adapter))
                    l.baseLayer().ownParameters().forEach((n, p) -> out.put(KEY_PREFIX + path + ".base_layer." + n, p));
        return out;
    }

    /**
     * peft's {@code save_embedding_layers="auto"} (get_peft_model_state_dict): when target_modules names
     * {@code embed_tokens} or {@code lm_head} (peft's EMBEDDING_LAYER_NAMES; a regex matching such a module), the
     * wrapped input and output embeddings' base weights are saved with the adapter (and loaded back from it). GPT-2's
     * {@code wte} is not such a name, so its table is not saved.
     */
    private boolean savesEmbeddingLayers(LoraConfig c) {
        TargetModules t = c.targetModules();
        if (t.names() != null) return t.names().contains("embed_tokens") || t.names().contains("lm_head");
        java.util.regex.Pattern target = java.util.regex.Pattern.compile(t.regex());
        for (String name : model.module().namedModules().keySet())
            if (name.matches("(.*\\.)?(embed_tokens|lm_head)") && target.matcher(name).matches()) return true;
        return false;
    }

    /** The input embedding's module (transformers' get_input_embeddings) for the families Cortado has. */
    private static String inputEmbeddingsPath(String modelType) {
        return "gpt2".equals(modelType) ? "transformer.wte" : "model.embed_tokens";
    }

    /** A layer's parameter name without the adapter's segment: {@code lora_A.default.weight} -> {@code lora_A.weight}, {@code lora_magnitude_vector.default} -> {@code lora_magnitude_vector}. */
    private static String savedKey(String k, String adapter) {
        if (k.endsWith("." + adapter)) return k.substring(0, k.length() - adapter.length() - 1);
        return k.replace("." + adapter + ".", ".");
    }

    /** The same tensors, by value. */
    public Map<String, Tensor> adapterTensors(String adapter) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        adapterStateDict(adapter).forEach((k, p) -> out.put(k, p.value()));
        return out;
    }
}
