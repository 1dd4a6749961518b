package cortado.peft.adaptionprompt;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;

/**
 * peft's {@code AdaptionPromptConfig}: {@code adapter_len} prompt tokens in each of the last {@code adapter_layers}
 * attention modules, those whose dotted name ends with {@code .target_modules} (one module name, not a list or a
 * regex; null: the model type's, {@code self_attn} for llama and mistral, {@code attn} for gpt2). peft has no
 * defaults for the two sizes; neither has Cortado.
 *
 * @param target the attention modules' name (peft's {@code target_modules}), or null for the model type's
 */
public record AdaptionPromptConfig(String target, int adapterLen, int adapterLayers,
                                   String baseModelNameOrPath, String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "ADAPTION_PROMPT";

    public AdaptionPromptConfig {
        if (adapterLen <= 0) throw new PeftException("adapter_len must be a positive integer, got " + adapterLen);
        if (adapterLayers <= 0)
            throw new PeftException("adapter_layers must be a positive integer, got " + adapterLayers);
        if (target != null && target.isBlank()) throw new PeftException("target_modules is empty");
    }

    /** The two sizes, the model type's attention, task CAUSAL_LM. */
    public static AdaptionPromptConfig of(int adapterLen, int adapterLayers) {
        return new AdaptionPromptConfig(null, adapterLen, adapterLayers, null, "CAUSAL_LM");
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public TargetModules targetModules() { return target == null ? null : TargetModules.of(target); }

    @Override public TargetModules excludeModules() { return null; }

    @Override public List<String> modulesToSave() { return List.of(); }

    /** A one-name list (the form {@link #targetModules()} returns); peft's field is that one string. */
    @Override
    public AdaptionPromptConfig withTargets(TargetModules t) {
        String name = t.names() != null && t.names().size() == 1 ? t.names().get(0) : null;
        if (name == null)
            throw new PeftException("ADAPTION_PROMPT's target_modules is one module name (e.g. self_attn), not " + t);
        return new AdaptionPromptConfig(name, adapterLen, adapterLayers, baseModelNameOrPath, taskType);
    }

    @Override
    public AdaptionPromptConfig withBaseModel(String nameOrPath) {
        return new AdaptionPromptConfig(target, adapterLen, adapterLayers, nameOrPath, taskType);
    }

    /** The fields peft 0.21 writes (no modules_to_save or exclude_modules: the config has none; auto_mapping null). */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.base(this, autoMapping);
        j.putIfAbsent("auto_mapping", null);
        j.put("adapter_layers", (long) adapterLayers);
        j.put("adapter_len", (long) adapterLen);
        j.put("target_modules", target);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is ADAPTION_PROMPT. */
    public static AdaptionPromptConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        for (String size : List.of("adapter_len", "adapter_layers"))
            if (j.get(size) == null) throw f.bad(size, "an integer", null);
        return f.read(() -> new AdaptionPromptConfig(f.string("target_modules", null), f.integer("adapter_len", 0),
                f.integer("adapter_layers", 0), f.string("base_model_name_or_path", null), f.string("task_type", null)));
    }
}
