package cortado.peft.adalora;

import cortado.peft.Bias;
import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import cortado.peft.lora.LoraConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code AdaLoraConfig} (Zhang et al. 2023, "Adaptive Budget Allocation for Parameter-Efficient Fine-Tuning"):
 * each target gains {@code P Λ Q} in SVD form, {@code ΔW = B diag(E) A · lora_alpha / ranknum}, starting at rank
 * {@code init_r}; during training the singular values of the least important triplets are masked to zero until the
 * average rank is {@code target_r} (a cubic budget schedule: {@code tinit} warm-up steps at the full budget, then the
 * budget falls to the target at step {@code total_step - tfinal}, masking every {@code deltaT} steps; the last
 * {@code tfinal} steps keep the final pattern). Field names and defaults are peft 0.21's (AdaLoraConfig extends
 * LoraConfig; {@code r} is unused and saved as peft saves it, 8).
 *
 * @param initR         the rank each target starts at (peft default 12)
 * @param targetR       the average rank the budget ends at (default 8)
 * @param tinit         warm-up steps at the full budget (default 0)
 * @param tfinal        final steps at the final pattern (default 0)
 * @param deltaT        steps between two allocations in the budget phase (default 1)
 * @param beta1         EMA coefficient of the sensitivity (default 0.85)
 * @param beta2         EMA coefficient of the uncertainty (default 0.85)
 * @param orthRegWeight weight of the orthogonal regularization {@code ||P^T P - I||_F + ||Q Q^T - I||_F} (default 0.5)
 * @param totalStep     the training steps the schedule is laid out over (required, > 0)
 * @param rankPattern   which of each target's init_r triplets are kept, by {@code <module>.lora_E}, or null (before
 *                      any allocation); written on save, and an adapter saved with it is {@code sum(kept)} wide
 * @param loraAlpha     the scaling numerator (default 8; peft: {@code lora_alpha if lora_alpha > 0 else r})
 * @param initLoraWeights true: E zero, A and B N(0, 0.02²) (the delta starts at zero); false: all standard normal
 */
public record AdaLoraConfig(int initR, int targetR, int tinit, int tfinal, int deltaT, double beta1, double beta2,
                            double orthRegWeight, int totalStep, Map<String, List<Boolean>> rankPattern,
                            double loraAlpha, double loraDropout, TargetModules targetModules,
                            TargetModules excludeModules, List<String> modulesToSave, boolean fanInFanOut,
                            List<Integer> layersToTransform, List<String> layersPattern, boolean initLoraWeights,
                            String baseModelNameOrPath, String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "ADALORA";

    public AdaLoraConfig {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        if (rankPattern != null) {
            Map<String, List<Boolean>> copy = new LinkedHashMap<>();
            rankPattern.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            rankPattern = Collections.unmodifiableMap(copy);
        }
        // AdaLoraConfig.__post_init__'s checks, with its messages
        if (initR < 0) throw new PeftException("`r` should be a positive integer or 0, but the value passed is " + initR);
        if (totalStep <= 0) throw new PeftException("AdaLoRA does not work when `total_step` is None, supply a value > 0.");
        if (orthRegWeight < 0)
            throw new PeftException("`orth_reg_weight` should be greater than or equal to 0, but the value passed is "
                    + orthRegWeight);
        if (tinit >= totalStep - tfinal)
            throw new PeftException("The supplied schedule values don't allow for a budgeting phase. Decrease"
                    + " `tfinal`/`tinit` or increase `total_step`.");
        if (deltaT <= 0) throw new PeftException("deltaT must be positive, got " + deltaT);
        if (!(loraDropout >= 0 && loraDropout < 1))
            throw new PeftException("lora_dropout must be in [0, 1), got " + loraDropout);
        if (layersPattern != null && !layersPattern.isEmpty() && layersToTransform == null)
            throw new PeftException("When `layers_pattern` is specified, `layers_to_transform` must also be specified. ");
    }

    /** init_r, target_r, total_step and targets (null: the architecture's default), everything else peft's default. */
    public static AdaLoraConfig of(int initR, int targetR, int totalStep, TargetModules targets) {
        return new AdaLoraConfig(initR, targetR, 0, 0, 1, 0.85, 0.85, 0.5, totalStep, null, 8, 0, targets, null, null,
                false, null, null, true, null, null);
    }

    /** The same config with peft's schedule fields. */
    public AdaLoraConfig withSchedule(int tinit, int tfinal, int deltaT) {
        return new AdaLoraConfig(initR, targetR, tinit, tfinal, deltaT, beta1, beta2, orthRegWeight, totalStep,
                rankPattern, loraAlpha, loraDropout, targetModules, excludeModules, modulesToSave, fanInFanOut,
                layersToTransform, layersPattern, initLoraWeights, baseModelNameOrPath, taskType);
    }

    /** The same config with other EMA coefficients and orthogonal-regularization weight. */
    public AdaLoraConfig withImportance(double b1, double b2, double orthWeight) {
        return new AdaLoraConfig(initR, targetR, tinit, tfinal, deltaT, b1, b2, orthWeight, totalStep, rankPattern,
                loraAlpha, loraDropout, targetModules, excludeModules, modulesToSave, fanInFanOut, layersToTransform,
                layersPattern, initLoraWeights, baseModelNameOrPath, taskType);
    }

    public AdaLoraConfig withRankPattern(Map<String, List<Boolean>> pattern) {
        return new AdaLoraConfig(initR, targetR, tinit, tfinal, deltaT, beta1, beta2, orthRegWeight, totalStep, pattern,
                loraAlpha, loraDropout, targetModules, excludeModules, modulesToSave, fanInFanOut, layersToTransform,
                layersPattern, initLoraWeights, baseModelNameOrPath, taskType);
    }

    public AdaLoraConfig withAlpha(double alpha) {
        return new AdaLoraConfig(initR, targetR, tinit, tfinal, deltaT, beta1, beta2, orthRegWeight, totalStep,
                rankPattern, alpha, loraDropout, targetModules, excludeModules, modulesToSave, fanInFanOut,
                layersToTransform, layersPattern, initLoraWeights, baseModelNameOrPath, taskType);
    }

    public AdaLoraConfig withDropout(double p) {
        return new AdaLoraConfig(initR, targetR, tinit, tfinal, deltaT, beta1, beta2, orthRegWeight, totalStep,
                rankPattern, loraAlpha, p, targetModules, excludeModules, modulesToSave, fanInFanOut,
                layersToTransform, layersPattern, initLoraWeights, baseModelNameOrPath, taskType);
    }

    public AdaLoraConfig withInitLoraWeights(boolean on) {
        return new AdaLoraConfig(initR, targetR, tinit, tfinal, deltaT, beta1, beta2, orthRegWeight, totalStep,
                rankPattern, loraAlpha, loraDropout, targetModules, excludeModules, modulesToSave, fanInFanOut,
                layersToTransform, layersPattern, on, baseModelNameOrPath, taskType);
    }

    public AdaLoraConfig withModulesToSave(List<String> m) {
        return new AdaLoraConfig(initR, targetR, tinit, tfinal, deltaT, beta1, beta2, orthRegWeight, totalStep,
                rankPattern, loraAlpha, loraDropout, targetModules, excludeModules, m, fanInFanOut, layersToTransform,
                layersPattern, initLoraWeights, baseModelNameOrPath, taskType);
    }

    public AdaLoraConfig withFanInFanOut(boolean on) {
        return new AdaLoraConfig(initR, targetR, tinit, tfinal, deltaT, beta1, beta2, orthRegWeight, totalStep,
                rankPattern, loraAlpha, loraDropout, targetModules, excludeModules, modulesToSave, on,
                layersToTransform, layersPattern, initLoraWeights, baseModelNameOrPath, taskType);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public AdaLoraConfig withTargets(TargetModules t) {
        return new AdaLoraConfig(initR, targetR, tinit, tfinal, deltaT, beta1, beta2, orthRegWeight, totalStep,
                rankPattern, loraAlpha, loraDropout, t, excludeModules, modulesToSave, fanInFanOut, layersToTransform,
                layersPattern, initLoraWeights, baseModelNameOrPath, taskType);
    }

    @Override
    public AdaLoraConfig withBaseModel(String nameOrPath) {
        return new AdaLoraConfig(initR, targetR, tinit, tfinal, deltaT, beta1, beta2, orthRegWeight, totalStep,
                rankPattern, loraAlpha, loraDropout, targetModules, excludeModules, modulesToSave, fanInFanOut,
                layersToTransform, layersPattern, initLoraWeights, nameOrPath, taskType);
    }

    /** peft's {@code scaling}: {@code lora_alpha if lora_alpha > 0 else r} (divided by ranknum in the forward). */
    public double scaling() { return loraAlpha > 0 ? loraAlpha : initR; }

    /** The rank module {@code path} has: the kept triplets of its rank_pattern entry, else init_r. */
    public int rankFor(String path) {
        List<Boolean> kept = rankPattern == null ? null : rankPattern.get(path + ".lora_E");
        return kept == null ? initR : (int) kept.stream().filter(b -> b).count();
    }

    /**
     * The fields peft 0.21 writes for AdaLoRA: LoraConfig's (as {@link LoraConfig#toJson} writes them: r 8, the
     * features AdaLoRA lacks off) and AdaLoRA's own; rank_pattern null before any allocation.
     */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        LoraConfig shared = new LoraConfig(8, loraAlpha, targetModules, excludeModules, loraDropout, Bias.NONE,
                modulesToSave, false, fanInFanOut, layersToTransform, layersPattern, null, null, initLoraWeights,
                baseModelNameOrPath, taskType);
        Map<String, Object> j = shared.toJson(autoMapping);
        j.put("peft_type", PEFT_TYPE);
        j.put("beta1", beta1);
        j.put("beta2", beta2);
        j.put("deltaT", (long) deltaT);
        j.put("init_r", (long) initR);
        j.put("orth_reg_weight", orthRegWeight);
        j.put("rank_pattern", rankPattern == null ? null : new LinkedHashMap<>(rankPattern));
        j.put("target_r", (long) targetR);
        j.put("tfinal", (long) tfinal);
        j.put("tinit", (long) tinit);
        j.put("total_step", (long) totalStep);
        return j;
    }

    /**
     * Reads a parsed adapter_config.json whose peft_type is ADALORA; {@code where} (the file) prefixes every error. The
     * LoRA features AdaLoRA refuses (DoRA, LoftQ) and those Cortado's LoRA lacks are errors naming the field.
     */
    public static AdaLoraConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        f.requireUnset("use_dora", false, "DoRA (ADALORA does not support DoRA)");
        f.requireUnset("bias", "none", "training biases with AdaLoRA");
        f.requireUnset("lora_bias", false, "LoRA bias");
        f.requireUnset("use_rslora", false, "rsLoRA scaling (AdaLoRA scales by lora_alpha / ranknum)");
        f.requireUnset("use_qalora", false, "QALoRA");
        for (String field : List.of("target_parameters", "layer_replication", "trainable_token_indices",
                "alora_invocation_tokens", "use_bdlora"))
            if (j.get(field) != null)
                throw new PeftException(where + ": " + field + " is not supported (got " + j.get(field) + ")");
        Object loftq = j.get("loftq_config");
        if (loftq instanceof Map<?, ?> m && !m.isEmpty())
            throw new PeftException(where + ": loftq_config asks for LoftQ, which ADALORA does not support");
        Object init = j.getOrDefault("init_lora_weights", true);
        if (!(init instanceof Boolean initOn)) throw f.bad("init_lora_weights", "true or false for AdaLoRA", init);
        Object total = j.get("total_step");
        if (total == null) throw new PeftException(where + ": total_step is missing (AdaLoRA needs a value > 0)");
        return f.read(() -> new AdaLoraConfig(f.integer("init_r", 12), f.integer("target_r", 8), f.integer("tinit", 0),
                f.integer("tfinal", 0), f.integer("deltaT", 1), f.real("beta1", 0.85), f.real("beta2", 0.85),
                f.real("orth_reg_weight", 0.5), f.integer("total_step", 0), rankPattern(j.get("rank_pattern"), f),
                f.real("lora_alpha", 8), f.real("lora_dropout", 0), f.targets("target_modules"),
                f.targets("exclude_modules"), f.strings("modules_to_save"), f.bool("fan_in_fan_out", false),
                f.integers("layers_to_transform"), f.stringOrStrings("layers_pattern"), initOn,
                f.string("base_model_name_or_path", null), f.string("task_type", null)));
    }

    /** rank_pattern as AdaLoRA writes it: an object of boolean lists (LoRA's integer form is an error here). */
    private static Map<String, List<Boolean>> rankPattern(Object v, ConfigFields f) {
        if (v == null) return null;
        if (!(v instanceof Map<?, ?> m)) throw f.bad("rank_pattern", "an object of lists of true/false", v);
        Map<String, List<Boolean>> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof List<?> l)) throw f.bad("rank_pattern." + e.getKey(), "a list of true/false", e.getValue());
            List<Boolean> kept = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof Boolean b)) throw f.bad("rank_pattern." + e.getKey(), "a list of true/false", l);
                kept.add(b);
            }
            out.put((String) e.getKey(), kept);
        }
        return out;
    }
}
