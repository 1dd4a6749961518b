package cortado.peft.adaptionprompt;

import cortado.nn.CausalSelfAttention;
import cortado.nn.Module;
import cortado.peft.PeftException;
import cortado.peft.TargetMatcher;
import cortado.peft.Tuner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * peft's {@code AdaptionPromptModel}: the attention modules whose dotted name ends with {@code .target_modules}, in
 * model order, and of those the last {@code adapter_layers} are wrapped in {@link AdaptedAttention}. The model types
 * are peft 0.21's {@code TRANSFORMERS_MODEL_CONFIG} (llama, mistral, gpt2); any other is refused as peft refuses it.
 */
public final class AdaptionPromptTuner implements Tuner<AdaptionPromptConfig> {
    /** peft 0.21's {@code TRANSFORMERS_MODEL_CONFIG[...].target_modules}. */
    static final Map<String, List<String>> DEFAULT_TARGETS = Map.of(
            "llama", List.of("self_attn"), "mistral", List.of("self_attn"), "gpt2", List.of("attn"));

    static final String UNMERGEABLE = "ADAPTION_PROMPT adds attention over learned prompt tokens, not a weight update:"
            + " there is nothing to merge (peft's AdaptionPromptModel has no merge either)";

    @Override public String peftType() { return AdaptionPromptConfig.PEFT_TYPE; }

    @Override public Class<AdaptionPromptConfig> configClass() { return AdaptionPromptConfig.class; }

    @Override
    public AdaptionPromptConfig fromJson(Map<String, Object> json, String where) {
        return AdaptionPromptConfig.fromJson(json, where);
    }

    @Override public Map<String, List<String>> defaultTargets() { return DEFAULT_TARGETS; }

    @Override
    public boolean canWrap(Module m) { return m instanceof AdaptedAttention || m instanceof CausalSelfAttention; }

    @Override public String wrapsWhat() { return "decoder self-attention modules (llama, mistral, gpt2)"; }

    /** peft's {@code prepare_config} and {@code add_adapter}'s choice of parents. */
    @Override
    public TargetMatcher.Resolved<AdaptionPromptConfig> resolve(AdaptionPromptConfig c, Module root, String modelType) {
        if (!DEFAULT_TARGETS.containsKey(modelType))
            throw new PeftException("unsupported model type for adaption prompt: '" + modelType + "' (peft 0.21 and"
                    + " Cortado support llama, mistral and gpt2)");
        AdaptionPromptConfig rc = c.targetModules() != null ? c : c.withTargets(TargetMatcher.defaultTargets(this, modelType));
        String suffix = "." + rc.targetModules().names().get(0);
        List<String> found = new ArrayList<>();
        root.namedModules().forEach((name, m) -> {
            if (name.endsWith(suffix)) found.add(name);
        });
        if (found.size() < c.adapterLayers())
            throw new PeftException("Config specifies more adapter layers '" + c.adapterLayers()
                    + "' than the model has '" + found.size() + "' (modules named *" + suffix + ")");
        List<String> targets = found.subList(found.size() - c.adapterLayers(), found.size());
        for (String t : targets)
            if (!canWrap(root.get(t)))
                throw new PeftException("target module " + t + " (" + root.get(t).getClass().getSimpleName()
                        + ") is not supported: " + peftType() + " wraps " + wrapsWhat());
        return new TargetMatcher.Resolved<>(rc, List.copyOf(targets));
    }

    @Override
    public AdaptionPromptConfig inject(Module root, List<String> targets, String name, AdaptionPromptConfig c, long seed) {
        for (String path : targets) {
            Module m = root.get(path);
            AdaptedAttention layer = m instanceof AdaptedAttention a ? a : new AdaptedAttention(m);
            if (layer != m) root.replace(path, layer);
            layer.addAdapter(name, c.adapterLen(), seed, path.hashCode());
        }
        return c;
    }

    @Override public String unmergeable() { return UNMERGEABLE; }
}
