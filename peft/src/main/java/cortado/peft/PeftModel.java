package cortado.peft;

import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraLayer;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A base model with LoRA adapters injected, PEFT's {@code PeftModel} over a {@code LoraModel}: the targeted layers are
 * replaced by name with {@link LoraLayer}s, the base is frozen, only the active adapter (with the biases
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
            LoraLayer layer = m instanceof LoraLayer l ? l : new LoraLayer(m);
            if (layer != m) root.replace(path, layer);
            layer.addAdapter(name, c.rankFor(path), c.scalingFor(path), c.loraDropout(), c.initLoraWeights(),
                    seed ^ (path.hashCode() * 0x9e3779b97f4a7c15L));
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

    /** Makes {@code name} the adapter the forward pass applies and the one that trains (PEFT's {@code set_adapter}). */
    public void setAdapter(String name) {
        config(name);
        active = name;
        for (Module m : model.module().namedModules().values()) {
            if (m instanceof LoraLayer l && l.adapterNames().contains(name)) l.setActiveAdapters(List.of(name));
            else if (m instanceof LoraLayer l) l.setActiveAdapters(List.of());
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
            if (m instanceof LoraLayer l && l.adapterNames().contains(active)) {
                l.adapterParameters(active).values().forEach(p -> p.setTrainable(true));
                if (c.bias() == Bias.LORA_ONLY) {
                    Parameter b = l.baseLayer().ownParameters().get("bias");
                    if (b != null) b.setTrainable(true);
                }
            }
            if (m instanceof ModulesToSaveWrapper w)
                w.copy(active).namedParameters().values().forEach(p -> p.setTrainable(true));
        });
        if (c.bias() == Bias.ALL)
            root.namedParameters().forEach((n, p) -> { if (n.contains("bias")) p.setTrainable(true); });
    }

    /**
     * (trainable, all) parameter counts, as PEFT's {@code get_nb_trainable_parameters}: a frozen quantized layer's
     * weight counts its out x in elements (PEFT counts a bitsandbytes {@code Params4bit} as twice its packed bytes).
     */
    public long[] trainableAndAll() {
        long trainable = 0, all = 0;
        for (Parameter p : model.module().namedParameters().values()) {
            all += p.numel();
            if (p.trainable()) trainable += p.numel();
        }
        for (Module m : model.module().namedModules().values())
            if (m instanceof cortado.quant.nn.QuantizedLinear q) all += (long) q.outFeatures() * q.inFeatures();
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

    /** Folds the active adapter into the base weights (PEFT's {@code merge_adapter}). */
    public void merge() { tunerLayers().forEach(TunerLayer::merge); }

    /** Takes merged adapters out of the base weights again ({@code unmerge_adapter}). */
    public void unmerge() { tunerLayers().forEach(TunerLayer::unmerge); }

    /**
     * PEFT's {@code merge_and_unload}: merges the active adapter, puts every base layer back in its place (the
     * modules_to_save copy in place of its original) and returns the plain model; this PeftModel is spent.
     */
    public CausalLm mergeAndUnload() {
        merge();
        Module root = model.module();
        for (Map.Entry<String, Module> e : new ArrayList<>(root.namedModules().entrySet())) {
            if (e.getValue() instanceof LoraLayer l) root.replace(e.getKey(), l.baseLayer());
            else if (e.getValue() instanceof ModulesToSaveWrapper w) root.replace(e.getKey(), w.copy(active));
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
            if (m instanceof LoraLayer l && l.adapterNames().contains(adapter)) {
                l.adapterParameters(adapter).forEach((k, p) ->
                        out.put(KEY_PREFIX + path + "." + k.replace("." + adapter + ".", "."), p));
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
        return out;
    }

    /** The same tensors, by value. */
    public Map<String, Tensor> adapterTensors(String adapter) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        adapterStateDict(adapter).forEach((k, p) -> out.put(k, p.value()));
        return out;
    }
}
