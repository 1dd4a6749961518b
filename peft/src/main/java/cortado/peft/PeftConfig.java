package cortado.peft;

import java.util.List;
import java.util.Map;

/**
 * What every method's config has, PEFT's {@code PeftConfig} plus the fields its {@code BaseTuner} reads for target
 * matching: {@code peft_type}, {@code task_type}, the base it was made for, {@code target_modules},
 * {@code exclude_modules}, {@code modules_to_save} and (for methods that have them) {@code layers_to_transform} /
 * {@code layers_pattern}. Each method's config is a record in its own package ({@code lora}, {@code ia3},
 * {@code bitfit}); its {@link Tuner} is found from {@link #peftType()} through {@link Tuners}.
 */
public interface PeftConfig {
    /** adapter_config.json's {@code peft_type}, e.g. {@code LORA}, {@code IA3}. */
    String peftType();

    /** PEFT's {@code task_type} (e.g. {@code CAUSAL_LM}), or null. */
    String taskType();

    /** {@code base_model_name_or_path}, or null. */
    String baseModelNameOrPath();

    /** Which modules the method adapts; null: the architecture's default ({@link Tuner#defaultTargets()}). */
    TargetModules targetModules();

    /** Modules never adapted (same forms as targetModules), or null. */
    TargetModules excludeModules();

    /** Modules trained whole and saved with the adapter (e.g. a classifier head); empty when none. */
    List<String> modulesToSave();

    /** Only these layer indices, or null for all (PEFT's {@code layers_to_transform}; not every method has it). */
    default List<Integer> layersToTransform() { return null; }

    /** The name(s) of the layer list the index follows, or null (PEFT's {@code layers_pattern}). */
    default List<String> layersPattern() { return null; }

    /** The same config with other targets (the default or all-linear resolved to names). */
    PeftConfig withTargets(TargetModules targets);

    /** The same config made for another base ({@code base_model_name_or_path}). */
    PeftConfig withBaseModel(String nameOrPath);

    /**
     * The fields the method's config file holds, as peft 0.21 writes them; {@code autoMapping} is peft's
     * {@code auto_mapping} (the base's class and module, written when task_type is null), or null.
     */
    Map<String, Object> toJson(Map<String, Object> autoMapping);
}
