package cortado.peft.prompt;

import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;

/**
 * A prompt-learning method's config (peft's {@code PromptLearningConfig} subclasses): no target modules, the
 * {@link PromptFields} every such method has, and the method's own fields.
 */
public interface PromptLearningConfig extends PeftConfig {
    PromptFields fields();

    /** The same config with other common fields (resolved sizes, another base). */
    PromptLearningConfig withFields(PromptFields f);

    /** The method's defaults that depend on the resolved sizes (peft's encoder_hidden_size = token_dim). */
    default PromptLearningConfig withSizeDefaults() { return this; }

    /** Whether the virtual tokens are per-layer keys and values (prefix tuning) rather than input embeddings. */
    boolean prefix();

    @Override default String taskType() { return fields().taskType(); }

    @Override default String baseModelNameOrPath() { return fields().baseModelNameOrPath(); }

    @Override default TargetModules targetModules() { return null; }

    @Override default TargetModules excludeModules() { return null; }

    /** A task head trained beside the prompt is not supported (a file asking for one is refused). */
    @Override default List<String> modulesToSave() { return List.of(); }

    /** Prompt learning adapts no modules: there are no targets to set. */
    @Override default PeftConfig withTargets(TargetModules targets) { return this; }

    @Override default PeftConfig withBaseModel(String nameOrPath) { return withFields(fields().withBaseModel(nameOrPath)); }

    /** PeftConfig's and PromptLearningConfig's fields, sorted; the method adds its own. */
    default Map<String, Object> promptJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.base(this, autoMapping);
        fields().put(j);
        return j;
    }
}
