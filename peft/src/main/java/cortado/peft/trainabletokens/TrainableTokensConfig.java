package cortado.peft.trainabletokens;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code TrainableTokensConfig}: the embedding rows {@code token_indices} train, the rest of the table stays
 * frozen. Field names and defaults are peft 0.21's (it has no exclude_modules, modules_to_save or layer fields).
 *
 * @param tokenIndices  the trained rows (token ids), in peft's order: row k of the saved tensor is token_indices[k]
 * @param targetModules the embedding layer(s); null: the model's input embedding
 * @param initWeights   true: the rows start as the embedding's own (a no-op); false: N(0, 1)
 */
public record TrainableTokensConfig(List<Integer> tokenIndices, TargetModules targetModules, boolean initWeights,
                                    String baseModelNameOrPath, String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "TRAINABLE_TOKENS";

    public TrainableTokensConfig {
        if (tokenIndices == null || tokenIndices.isEmpty())
            throw new PeftException("TRAINABLE_TOKENS needs at least one entry in `token_indices`");
        tokenIndices = List.copyOf(tokenIndices);
        if (tokenIndices.stream().distinct().count() != tokenIndices.size())
            throw new PeftException("`token_indices` lists a token twice: " + tokenIndices);
    }

    /** The given rows on the given targets (null: the input embedding), peft's defaults otherwise. */
    public static TrainableTokensConfig of(List<Integer> tokenIndices, TargetModules targets) {
        return new TrainableTokensConfig(tokenIndices, targets, true, null, null);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override public TargetModules excludeModules() { return null; }

    @Override public List<String> modulesToSave() { return List.of(); }

    @Override
    public TrainableTokensConfig withTargets(TargetModules t) {
        return new TrainableTokensConfig(tokenIndices, t, initWeights, baseModelNameOrPath, taskType);
    }

    @Override
    public TrainableTokensConfig withBaseModel(String nameOrPath) {
        return new TrainableTokensConfig(tokenIndices, targetModules, initWeights, nameOrPath, taskType);
    }

    public TrainableTokensConfig withInitWeights(boolean on) {
        return new TrainableTokensConfig(tokenIndices, targetModules, on, baseModelNameOrPath, taskType);
    }

    /** The fields peft 0.21 writes for TRAINABLE_TOKENS, sorted as its {@code save_pretrained} writes them. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.base(this, autoMapping);
        j.put("target_modules", targetModules == null ? null : targetModules.toJson());
        j.put("init_weights", initWeights);
        j.put("token_indices", tokenIndices.stream().map(Integer::longValue).toList());
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is TRAINABLE_TOKENS. */
    public static TrainableTokensConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        return f.read(() -> new TrainableTokensConfig(f.integers("token_indices"), f.targets("target_modules"),
                f.bool("init_weights", true), f.string("base_model_name_or_path", null), f.string("task_type", null)));
    }
}
