package cortado.peft.ia3;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * PEFT's {@code IA3Config} (Liu et al. 2022, "Few-Shot Parameter-Efficient Fine-Tuning is Better and Cheaper than
 * In-Context Learning", (IA)³): each target layer gains a learned vector {@code ia3_l} that rescales its output, or its
 * input for a feed-forward target ({@code y = W (l ⊙ x)}), initialized to ones. Field names and defaults are peft
 * 0.21's.
 *
 * @param targetModules       which modules get a vector; null: the architecture's default ({@link IA3Tuner})
 * @param excludeModules      modules never adapted (same forms as targetModules), or null
 * @param feedforwardModules  the targets whose input is scaled: a list (a target whose name ends with an entry, as
 *                            peft's {@code str.endswith}, no dot needed) or a full-match regex; null: the
 *                            architecture's default. As a list it must be a subset of a list targetModules.
 * @param fanInFanOut         the base stores W as {@code [in, out]} (GPT-2's Conv1D; PEFT turns it on for Conv1D)
 * @param modulesToSave       modules trained whole and saved with the adapter, or empty
 * @param initIa3Weights      true: the vectors start at 1 (a fresh adapter changes nothing); false: standard normal
 * @param baseModelNameOrPath the base the adapter was made for, or null
 * @param taskType            PEFT's {@code task_type}, or null
 */
public record IA3Config(TargetModules targetModules, TargetModules excludeModules, TargetModules feedforwardModules,
                        boolean fanInFanOut, List<String> modulesToSave, boolean initIa3Weights,
                        String baseModelNameOrPath, String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "IA3";
    /** The peft release whose adapter_config.json fields this writes. */

    public IA3Config {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
    }

    /** The given targets and feed-forward modules (null: the architecture's defaults), everything else peft's default. */
    public static IA3Config of(TargetModules targets, TargetModules feedforward) {
        return new IA3Config(targets, null, feedforward, false, List.of(), true, null, null);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public IA3Config withTargets(TargetModules t) {
        return new IA3Config(t, excludeModules, feedforwardModules, fanInFanOut, modulesToSave, initIa3Weights,
                baseModelNameOrPath, taskType);
    }

    public IA3Config withFeedforward(TargetModules f) {
        return new IA3Config(targetModules, excludeModules, f, fanInFanOut, modulesToSave, initIa3Weights,
                baseModelNameOrPath, taskType);
    }

    public IA3Config withFanInFanOut(boolean on) {
        return new IA3Config(targetModules, excludeModules, feedforwardModules, on, modulesToSave, initIa3Weights,
                baseModelNameOrPath, taskType);
    }

    public IA3Config withInitIa3Weights(boolean on) {
        return new IA3Config(targetModules, excludeModules, feedforwardModules, fanInFanOut, modulesToSave, on,
                baseModelNameOrPath, taskType);
    }

    public IA3Config withModulesToSave(List<String> m) {
        return new IA3Config(targetModules, excludeModules, feedforwardModules, fanInFanOut, m, initIa3Weights,
                baseModelNameOrPath, taskType);
    }

    @Override
    public IA3Config withBaseModel(String nameOrPath) {
        return new IA3Config(targetModules, excludeModules, feedforwardModules, fanInFanOut, modulesToSave,
                initIa3Weights, nameOrPath, taskType);
    }

    /**
     * peft's {@code IA3Config.__post_init__} check, on the config as the user wrote it (before the targets are
     * resolved): with both given as lists, every feed-forward module must be a target.
     */
    public void checkFeedforwardSubset() {
        if (feedforwardModules != null && feedforwardModules.names() != null && targetModules != null
                && targetModules.names() != null && !new HashSet<>(targetModules.names()).containsAll(feedforwardModules.names()))
            throw new PeftException("IA3Config: feedforward_modules " + feedforwardModules
                    + " should be a subset of target_modules " + targetModules);
    }

    /**
     * PEFT's {@code IA3Model._check_target_module_feedforward}: a regex must match the whole name; a list entry need
     * only end the name ({@code key.endswith(entry)}, so bert's {@code output.dense} also takes
     * {@code attention.output.dense}).
     */
    public boolean isFeedforward(String key) {
        if (feedforwardModules == null) return false;
        if (feedforwardModules.regex() != null) return Pattern.compile(feedforwardModules.regex()).matcher(key).matches();
        for (String f : feedforwardModules.names()) if (key.endsWith(f)) return true;
        return false;
    }

    /** The fields peft 0.21 writes for IA3, sorted as its {@code save_pretrained} writes them. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.tuner(this, autoMapping, true, false);
        j.put("fan_in_fan_out", fanInFanOut);
        j.put("feedforward_modules", feedforwardModules == null ? null : feedforwardModules.toJson());
        j.put("init_ia3_weights", initIa3Weights);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is IA3; {@code where} (the file) prefixes every error. */
    public static IA3Config fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        return f.read(() -> new IA3Config(f.targets("target_modules"), f.targets("exclude_modules"),
                    f.targets("feedforward_modules"), f.bool("fan_in_fan_out", false), f.strings("modules_to_save"),
                    f.bool("init_ia3_weights", true), f.string("base_model_name_or_path", null),
                    f.string("task_type", null)));
    }
}
