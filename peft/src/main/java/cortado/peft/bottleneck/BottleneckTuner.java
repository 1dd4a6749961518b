package cortado.peft.bottleneck;

import cortado.nn.Block;
import cortado.nn.LayerNorm;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.RMSNorm;
import cortado.nn.SelfAttention;
import cortado.nn.models.bert.BertLayer;
import cortado.peft.PeftException;
import cortado.peft.PeftModel;
import cortado.peft.TargetMatcher;
import cortado.peft.Tuner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * adapter-hub's bottleneck adapters as a tuner. There are no target modules: the places are adapter-hub's, in every
 * layer not left out, the attention output ({@code mh_adapter}) and the feed-forward output ({@code output_adapter}):
 * a decoder block's attention and {@code mlp} (GPT-2, the Llama family: the block adds the residual after them,
 * {@code layer_norm=None}), a BERT layer's {@code attention.output.dense} and {@code output.dense} (post-norm: the
 * residual output's LayerNorm goes into the join). Each place's child is wrapped in a {@link BottleneckLayer}.
 *
 * <p>Files: {@code bottleneck_config.json} (BnConfig's fields with peft_type BOTTLENECK) and
 * {@code bottleneck_model.safetensors}, whose keys are adapter-hub's own state-dict names
 * ({@code transformer.h.0.output_adapters.adapters.<name>.adapter_up.weight},
 * {@code encoder.layer.0.attention.output.adapters.<name>...}), so a file loads into an adapter-hub model with
 * {@code load_state_dict(strict=False)} and adapter-hub's tensors load here.
 */
public final class BottleneckTuner implements Tuner<BottleneckConfig> {
    public static final String CONFIG = "bottleneck_config.json";
    public static final String WEIGHTS = "bottleneck_model.safetensors";
    static final String UNMERGEABLE = "bottleneck adapters put a nonlinearity between two projections: they cannot"
            + " be merged into the base weights (adapter-hub merges only LoRA-like methods)";

    /** One place an adapter goes: the module path to wrap, its layer index, the hidden size, attention or FFN. */
    record Place(String path, int layer, int hidden, boolean attention) {}

    @Override public String peftType() { return BottleneckConfig.PEFT_TYPE; }

    @Override public Class<BottleneckConfig> configClass() { return BottleneckConfig.class; }

    @Override
    public BottleneckConfig fromJson(Map<String, Object> json, String where) { return BottleneckConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return Map.of(); }

    @Override public boolean canWrap(Module m) { return m instanceof Block || m instanceof BertLayer; }

    @Override public String wrapsWhat() { return "decoder blocks (GPT-2, Llama family) and BERT layers"; }

    /** Every attention and FFN output place of the model, in layer order. */
    static List<Place> places(Module root) {
        List<Place> out = new ArrayList<>();
        root.namedModules().forEach((path, m) -> {
            if (m instanceof Block b) {
                int layer = index(path);
                int hidden = -1;
                String attention = null;
                for (Map.Entry<String, Module> c : b.children().entrySet()) {
                    Module child = c.getValue() instanceof BottleneckLayer l ? l.baseLayer() : c.getValue();
                    if (child instanceof LayerNorm || child instanceof RMSNorm)
                        hidden = (int) child.ownParameters().get("weight").numel();
                    if (child instanceof SelfAttention) attention = c.getKey();
                }
                if (attention == null || hidden < 0 || !b.children().containsKey("mlp"))
                    throw new PeftException(path + ": a block without an attention, an mlp or a norm");
                out.add(new Place(path + "." + attention, layer, hidden, true));
                out.add(new Place(path + ".mlp", layer, hidden, false));
            } else if (m instanceof BertLayer) {
                int layer = index(path);
                int hidden = dense(root, path + ".output.dense").outFeatures();
                out.add(new Place(path + ".attention.output.dense", layer, hidden, true));
                out.add(new Place(path + ".output.dense", layer, hidden, false));
            }
        });
        if (out.isEmpty())
            throw new PeftException("bottleneck adapters need decoder blocks (GPT-2, Llama family) or BERT layers;"
                    + " this " + root.getClass().getSimpleName() + " has none");
        return out;
    }

    private static Linear dense(Module root, String path) {
        Module m = root.get(path);
        if (m instanceof BottleneckLayer l) m = l.baseLayer();
        if (!(m instanceof Linear lin)) throw new PeftException(path + ": expected a Linear, got " + m.getClass().getSimpleName());
        return lin;
    }

    /** The layer index: the last segment of a block's path ({@code transformer.h.3} -> 3). */
    private static int index(String path) {
        String last = path.substring(path.lastIndexOf('.') + 1);
        try {
            return Integer.parseInt(last);
        } catch (NumberFormatException e) {
            throw new PeftException(path + ": a layer not inside a numbered list");
        }
    }

    private static List<Place> selected(Module root, BottleneckConfig c) {
        List<Place> out = new ArrayList<>();
        for (Place p : places(root))
            if (!c.leaveOut().contains(p.layer()) && (p.attention() ? c.mhAdapter() : c.outputAdapter())) out.add(p);
        return out;
    }

    @Override
    public TargetMatcher.Resolved<BottleneckConfig> resolve(BottleneckConfig c, Module root, String modelType) {
        List<String> paths = new ArrayList<>();
        for (Place p : selected(root, c)) paths.add(p.path());
        if (paths.isEmpty()) throw new PeftException("leave_out " + c.leaveOut() + " leaves out every layer");
        return new TargetMatcher.Resolved<>(c, paths);
    }

    /**
     * Wraps each place (once; a second adapter joins the wrapper) and adds adapter {@code name}: each adapter draws
     * its init from its own stream of {@code seed} (or of init_weights_seed, adapter-hub's per-module reset).
     */
    @Override
    public BottleneckConfig inject(Module root, List<String> targets, String name, BottleneckConfig c, long seed) {
        long s = c.initWeightsSeed() == null ? seed : c.initWeightsSeed();
        int i = 0;
        Parameter rule = null;   // Compacter: one rule for every PHM layer of the adapter (shared_phm_rule)
        for (Place p : selected(root, c)) {
            if (!targets.contains(p.path())) continue;
            Module m = root.get(p.path());
            BottleneckLayer layer = m instanceof BottleneckLayer l ? l : new BottleneckLayer(m, p.hidden());
            if (layer != m) root.replace(p.path(), layer);
            layer.addAdapter(name, c, rule, s, c.initWeightsSeed() == null ? 4L * i++ : 0L);
            if (rule == null) rule = layer.adapter(name).phmRule();
        }
        return c;
    }

    /**
     * adapter-hub's key: {@code <block>.attention_adapters} / {@code <block>.output_adapters} for a decoder block's
     * attention / mlp, the BERT residual output itself ({@code ...attention.output}, {@code ...output}) for its
     * dense; the adapter's name stays in the key, as in adapter-hub's state dict.
     */
    @Override
    public String savedKey(String fullName, String name) {
        String marker = ".adapters." + name + ".";
        int at = fullName.indexOf(marker);
        if (at < 0) return fullName.replace(".modules_to_save." + name + ".", ".");   // a task head: the base's name
        String place = fullName.substring(0, at);
        if (fullName.endsWith(".phm_rule")) return trunk(place) + "shared_parameters." + name + ".phm_rule";
        return adapterHubPlace(place) + fullName.substring(at);
    }

    /**
     * adapter-hub's {@code set_active_adapters(Stack(a, b, ...))}: in every layer the named adapters it holds run one
     * after the other, each reading the previous one's output (each with its own pre_forward), the last one's
     * post_forward closing the layer. What trains stays the model's active adapter; {@link PeftModel#setAdapter}
     * goes back to one adapter.
     */
    public static void stack(PeftModel model, List<String> names) {
        if (!BottleneckConfig.PEFT_TYPE.equals(model.tuner().peftType()))
            throw new PeftException("Stack composes bottleneck adapters; this model's adapters are " + model.tuner().peftType());
        for (String n : names) model.config(n);
        model.module().namedModules().values().forEach(m -> {
            if (m instanceof BottleneckLayer l)
                l.setActiveAdapters(names.stream().filter(l.adapterNames()::contains).toList());
        });
    }

    /**
     * adapter-hub's {@code add_adapter_fusion(Fuse(a, b, ...))}: a fusion layer at every place that holds all the
     * adapters (their init drawn from {@code seed}).
     */
    public static void addFusion(PeftModel model, List<String> names, FusionConfig config, long seed) {
        for (String n : names) model.config(n);
        long stream = 1000;
        for (Module m : model.module().namedModules().values())
            if (m instanceof BottleneckLayer l && l.holdsAll(names)) {
                l.addFusion(names, config, seed, stream);
                stream += 3;
            }
    }

    /**
     * adapter-hub's {@code set_active_adapters(Fuse(...))} and {@code train_adapter_fusion}: the fusion over
     * {@code names} is the join wherever it was added, the adapters are frozen and only the fusion layers train
     * (stage two of the recipe: the task adapters are trained first, one by one). Returns what trains, under
     * adapter-hub's names ({@link #fusionParameters}).
     */
    public static Map<String, Parameter> activateFusion(PeftModel model, List<String> names) {
        Map<String, Parameter> trains = fusionParameters(model.module(), names);
        if (trains.isEmpty()) throw new PeftException("no fusion over " + names + " (addFusion first)");
        for (Module m : model.module().namedModules().values())
            if (m instanceof BottleneckLayer l && l.holdsAll(names)) l.activateFusion(names);
        model.module().namedParameters().values().forEach(p -> p.setTrainable(false));
        trains.values().forEach(p -> p.setTrainable(true));
        return trains;
    }

    /**
     * The fusion layers' parameters over {@code names} by adapter-hub's keys
     * ({@code transformer.h.0.output_adapters.adapter_fusion_layer.default,second.query.weight}).
     */
    public static Map<String, Parameter> fusionParameters(Module root, List<String> names) {
        Map<String, Parameter> out = new java.util.LinkedHashMap<>();
        String fusion = String.join(",", names);
        root.namedModules().forEach((path, m) -> {
            if (m instanceof BottleneckLayer l && l.holdsAll(names))
                l.fusion(names).namedParameters().forEach((k, p) ->
                        out.put(adapterHubPlace(path) + ".adapter_fusion_layer." + fusion + "." + k, p));
        });
        return out;
    }

    /**
     * The prefix of adapter-hub's {@code base_model} for a place: where its {@code shared_parameters} live
     * ({@code transformer.} for GPT-2, {@code model.} for Llama, none for a BertModel, {@code bert.} inside a task
     * model): the path above the numbered layer list ({@code encoder.layer} counts as one for BERT).
     */
    private static String trunk(String place) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(.*?)(encoder\\.layer|[^.]+)\\.\\d+\\.").matcher(place);
        if (!m.find()) throw new PeftException(place + ": not inside a numbered layer list");
        return m.group(1);
    }

    /** adapter-hub's module for the wrapped place (see {@link #savedKey}). */
    private static String adapterHubPlace(String place) {
        String parent = place.substring(0, place.lastIndexOf('.')), leaf = place.substring(place.lastIndexOf('.') + 1);
        return leaf.equals("dense") ? parent : leaf.equals("mlp") ? parent + ".output_adapters" : parent + ".attention_adapters";
    }

    @Override public String unmergeable() { return UNMERGEABLE; }

    @Override public String configFile() { return CONFIG; }

    @Override public String weightsFile() { return WEIGHTS; }
}
