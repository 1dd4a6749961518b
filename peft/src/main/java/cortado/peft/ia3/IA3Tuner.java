package cortado.peft.ia3;

import cortado.nn.Conv1D;
import cortado.nn.Module;
import cortado.peft.PeftException;
import cortado.peft.TargetMatcher;
import cortado.peft.TargetModules;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * PEFT's {@code IA3Model}: (IA)³'s targets and feed-forward modules per architecture, filled in when the config leaves
 * them out ({@code _prepare_adapter_config}), and its layer on Linear, Conv1D and quantized linear bases.
 */
public final class IA3Tuner implements Tuner<IA3Config> {
    /** peft 0.21's {@code TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING} for the families Cortado has. */
    static final Map<String, List<String>> DEFAULT_TARGETS = Map.of(
            "gpt2", List.of("c_attn", "mlp.c_proj"),
            "llama", List.of("k_proj", "v_proj", "down_proj"),
            "mistral", List.of("k_proj", "v_proj", "down_proj"),
            "qwen2", List.of("q_proj", "v_proj", "down_proj"),
            "qwen3", List.of("q_proj", "v_proj", "down_proj"),
            "bert", List.of("key", "value", "output.dense"));

    /** peft 0.21's {@code TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING}, the same families. */
    static final Map<String, List<String>> DEFAULT_FEEDFORWARD = Map.of(
            "gpt2", List.of("mlp.c_proj"),
            "llama", List.of("down_proj"),
            "mistral", List.of("down_proj"),
            "qwen2", List.of("down_proj"),
            "qwen3", List.of("down_proj"),
            "bert", List.of("output.dense"));

    @Override public String peftType() { return IA3Config.PEFT_TYPE; }

    @Override public Class<IA3Config> configClass() { return IA3Config.class; }

    @Override public IA3Config fromJson(Map<String, Object> json, String where) { return IA3Config.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return DEFAULT_TARGETS; }

    /** The default feed-forward modules of a model_type, or the error peft gives. */
    public static TargetModules defaultFeedforward(String modelType) {
        List<String> f = DEFAULT_FEEDFORWARD.get(modelType);
        if (f == null)
            throw new PeftException("feedforward_modules is not set and model_type \"" + modelType + "\" has no IA3"
                    + " default (defaults exist for " + new TreeSet<>(DEFAULT_FEEDFORWARD.keySet()) + ")");
        return new TargetModules(f, null);
    }

    /** As every method, then the feed-forward modules default (peft fills both in {@code _prepare_adapter_config}). */
    @Override
    public TargetMatcher.Resolved<IA3Config> resolve(IA3Config config, Module root, String modelType) {
        config.checkFeedforwardSubset();
        IA3Config c = config.feedforwardModules() == null ? config.withFeedforward(defaultFeedforward(modelType)) : config;
        return TargetMatcher.resolve(c, root, modelType, this);
    }

    @Override public boolean canWrap(Module m) { return m instanceof IA3Layer || TargetMatcher.isLinear(m) && !(m instanceof TunerLayer); }

    @Override public String wrapsWhat() { return "Linear, Conv1D and quantized linear layers"; }

    @Override
    public IA3Config inject(Module root, List<String> targets, String name, IA3Config config, long seed) {
        IA3Config c = config;
        // As LoRA: peft's _create_new_module sets fan_in_fan_out to the layer kind (true on GPT-2's Conv1D) and saves it.
        boolean conv = targets.stream().anyMatch(p -> unwrapped(root.get(p)) instanceof Conv1D);
        if (conv != c.fanInFanOut()) c = c.withFanInFanOut(conv);
        IA3Config saved = c;
        for (String path : targets)
            Tuner.wrapped(root, path, IA3Layer.class, m -> new IA3Layer(m, saved.isFeedforward(path)))
                    .addAdapter(name, saved.initIa3Weights(), Tuner.targetSeed(seed, path));
        return saved;
    }

    private static Module unwrapped(Module m) { return m instanceof TunerLayer t ? t.baseLayer() : m; }
}
