package cortado.peft.lora;

import cortado.peft.Bias;
import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetMatcher;
import cortado.peft.TargetModules;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PEFT's {@code LoraConfig} (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"): a frozen layer W
 * gains {@code scaling · B A} with A {@code [r, in]}, B {@code [out, r]}, scaling {@code alpha / r}, or
 * {@code alpha / sqrt(r)} with rsLoRA (Kalajdzievski 2023). Field names and defaults are peft 0.21's.
 *
 * @param r                   the rank
 * @param loraAlpha           alpha
 * @param targetModules       which modules get an adapter; null: the architecture's default ({@link TargetMatcher})
 * @param excludeModules      modules never adapted (same forms as targetModules), or null
 * @param loraDropout         dropout on the adapter's input
 * @param bias                which biases train
 * @param modulesToSave       modules trained whole and saved with the adapter (e.g. a classifier head), or empty
 * @param useRslora           scaling alpha / sqrt(r)
 * @param fanInFanOut         the base stores W as {@code [in, out]} (GPT-2's Conv1D; PEFT turns it on for Conv1D)
 * @param layersToTransform   only these layer indices (list form of targetModules only), or null for all
 * @param layersPattern       the name(s) of the layer list the index follows (e.g. {@code layers}, {@code h}), or null
 * @param rankPattern         per-module rank: a key matches a module name ending with it (PEFT's get_pattern_key)
 * @param alphaPattern        per-module alpha, matched as rankPattern
 * @param init                how A and B start ({@code init_lora_weights}: true, false, gaussian, pissa, olora, loftq)
 * @param baseModelNameOrPath the base the adapter was made for, or null
 * @param taskType            PEFT's {@code task_type} (e.g. {@code CAUSAL_LM}), or null
 * @param useDora             DoRA (Liu et al. 2024): a trainable magnitude per output row over the direction W + s·BA
 * @param loftqConfig         LoftQ's bits and iterations, required with {@link LoraInit#LOFTQ} and null otherwise
 */
public record LoraConfig(int r, double loraAlpha, TargetModules targetModules, TargetModules excludeModules,
                         double loraDropout, Bias bias, List<String> modulesToSave, boolean useRslora,
                         boolean fanInFanOut, List<Integer> layersToTransform, List<String> layersPattern,
                         Map<String, Integer> rankPattern, Map<String, Double> alphaPattern, LoraInit init,
                         String baseModelNameOrPath, String taskType, boolean useDora, LoftqConfig loftqConfig)
        implements PeftConfig {

    public static final String PEFT_TYPE = "LORA";
    /** The peft release whose adapter_config.json fields this writes. */
    public static final String PEFT_VERSION = ConfigJson.PEFT_VERSION;

    public LoraConfig {
        if (r <= 0) throw new PeftException("LoraConfig: r must be positive, got " + r);
        if (!(loraDropout >= 0 && loraDropout < 1))
            throw new PeftException("LoraConfig: lora_dropout must be in [0, 1), got " + loraDropout);
        if (bias == null) bias = Bias.NONE;
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        layersToTransform = layersToTransform == null ? null : List.copyOf(layersToTransform);
        layersPattern = layersPattern == null ? null : List.copyOf(layersPattern);
        rankPattern = rankPattern == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rankPattern));
        alphaPattern = alphaPattern == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(alphaPattern));
        rankPattern.forEach((k, v) -> { if (v <= 0) throw new PeftException("LoraConfig: rank_pattern." + k + " must be positive, got " + v); });
        if (init == null) init = LoraInit.DEFAULT;
        // peft's LoraConfig.__post_init__: loftq needs its config; a loftq_config without loftq is dropped
        if (init == LoraInit.LOFTQ && loftqConfig == null)
            throw new PeftException("LoraConfig: init_lora_weights \"loftq\" needs a loftq_config (loftq_bits, loftq_iter)");
        if (init != LoraInit.LOFTQ) loftqConfig = null;
    }

    /** The fields of plain LoRA (no DoRA, init_lora_weights true or false), as before DoRA and the other inits existed. */
    public LoraConfig(int r, double loraAlpha, TargetModules targetModules, TargetModules excludeModules,
                      double loraDropout, Bias bias, List<String> modulesToSave, boolean useRslora,
                      boolean fanInFanOut, List<Integer> layersToTransform, List<String> layersPattern,
                      Map<String, Integer> rankPattern, Map<String, Double> alphaPattern, boolean initLoraWeights,
                      String baseModelNameOrPath, String taskType) {
        this(r, loraAlpha, targetModules, excludeModules, loraDropout, bias, modulesToSave, useRslora, fanInFanOut,
                layersToTransform, layersPattern, rankPattern, alphaPattern, LoraInit.of(initLoraWeights),
                baseModelNameOrPath, taskType, false, null);
    }

    /** r and alpha on the given targets (null: the architecture's default), everything else PEFT's default. */
    public static LoraConfig of(int r, double alpha, TargetModules targets) {
        return new LoraConfig(r, alpha, targets, null, 0.0, Bias.NONE, List.of(), false, false, null, null, null,
                null, true, null, null);
    }

    @Override
    public String peftType() { return PEFT_TYPE; }

    public LoraConfig withTargets(TargetModules t) {
        return new LoraConfig(r, loraAlpha, t, excludeModules, loraDropout, bias, modulesToSave, useRslora,
                fanInFanOut, layersToTransform, layersPattern, rankPattern, alphaPattern, init, baseModelNameOrPath,
                taskType, useDora, loftqConfig);
    }

    public LoraConfig withRslora(boolean on) {
        return new LoraConfig(r, loraAlpha, targetModules, excludeModules, loraDropout, bias, modulesToSave, on,
                fanInFanOut, layersToTransform, layersPattern, rankPattern, alphaPattern, init, baseModelNameOrPath,
                taskType, useDora, loftqConfig);
    }

    public LoraConfig withDropout(double p) {
        return new LoraConfig(r, loraAlpha, targetModules, excludeModules, p, bias, modulesToSave, useRslora,
                fanInFanOut, layersToTransform, layersPattern, rankPattern, alphaPattern, init, baseModelNameOrPath,
                taskType, useDora, loftqConfig);
    }

    /** {@code modules_to_save}: modules trained whole beside the adapters and saved with them. */
    public LoraConfig withModulesToSave(List<String> modules) {
        return new LoraConfig(r, loraAlpha, targetModules, excludeModules, loraDropout, bias, modules, useRslora,
                fanInFanOut, layersToTransform, layersPattern, rankPattern, alphaPattern, init, baseModelNameOrPath,
                taskType, useDora, loftqConfig);
    }

    public LoraConfig withInitLoraWeights(boolean on) { return withInit(LoraInit.of(on), null); }

    /** {@code init_lora_weights} and, for LoftQ, its config (ignored for the other forms, as peft drops it). */
    public LoraConfig withInit(LoraInit i, LoftqConfig loftq) {
        return new LoraConfig(r, loraAlpha, targetModules, excludeModules, loraDropout, bias, modulesToSave,
                useRslora, fanInFanOut, layersToTransform, layersPattern, rankPattern, alphaPattern, i,
                baseModelNameOrPath, taskType, useDora, loftq);
    }

    public LoraConfig withDora(boolean on) {
        return new LoraConfig(r, loraAlpha, targetModules, excludeModules, loraDropout, bias, modulesToSave,
                useRslora, fanInFanOut, layersToTransform, layersPattern, rankPattern, alphaPattern, init,
                baseModelNameOrPath, taskType, on, loftqConfig);
    }

    public LoraConfig withFanInFanOut(boolean on) {
        return new LoraConfig(r, loraAlpha, targetModules, excludeModules, loraDropout, bias, modulesToSave,
                useRslora, on, layersToTransform, layersPattern, rankPattern, alphaPattern, init,
                baseModelNameOrPath, taskType, useDora, loftqConfig);
    }

    public LoraConfig withBaseModel(String nameOrPath) {
        return new LoraConfig(r, loraAlpha, targetModules, excludeModules, loraDropout, bias, modulesToSave,
                useRslora, fanInFanOut, layersToTransform, layersPattern, rankPattern, alphaPattern, init,
                nameOrPath, taskType, useDora, loftqConfig);
    }

    /** r and alpha for every module: rank_pattern and alpha_pattern cleared (add_weighted_adapter's new config). */
    public LoraConfig withUniformRank(int rank, double alpha) {
        return new LoraConfig(rank, alpha, targetModules, excludeModules, loraDropout, bias, modulesToSave, useRslora,
                fanInFanOut, layersToTransform, layersPattern, null, null, init, baseModelNameOrPath, taskType, useDora,
                loftqConfig);
    }

    /** The rank of the module {@code name}: rank_pattern's first key it matches, else r (PEFT's get_pattern_key). */
    public int rankFor(String name) {
        String key = TargetMatcher.patternKey(rankPattern.keySet(), name);
        return key == null ? r : rankPattern.get(key);
    }

    /** The alpha of the module {@code name}, as {@link #rankFor}. */
    public double alphaFor(String name) {
        String key = TargetMatcher.patternKey(alphaPattern.keySet(), name);
        return key == null ? loraAlpha : alphaPattern.get(key);
    }

    /** PEFT's LoraLayer.update_layer scaling: alpha / sqrt(r) with rsLoRA, alpha / r otherwise. */
    public double scalingFor(String name) {
        int rank = rankFor(name);
        double alpha = alphaFor(name);
        return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    // ---- adapter_config.json ----------------------------------------------------------------------------------------

    /**
     * The fields peft 0.21 writes for LoRA, sorted as its {@code save_pretrained} writes them ({@code json.dumps(...,
     * sort_keys=True)}); features this module does not implement carry peft's "off" values. {@code autoMapping} is
     * peft's {@code auto_mapping} (the base's class and module), or null.
     */
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = new TreeMap<>();
        j.put("alora_invocation_tokens", null);
        j.put("alpha_pattern", ConfigJson.numbers(alphaPattern));
        j.put("arrow_config", null);
        if (autoMapping != null) j.put("auto_mapping", autoMapping);
        j.put("base_model_name_or_path", baseModelNameOrPath);
        j.put("bias", bias.peftName());
        j.put("corda_config", null);
        j.put("ensure_weight_tying", false);
        j.put("eva_config", null);
        j.put("exclude_modules", excludeModules == null ? null : excludeModules.toJson());
        j.put("fan_in_fan_out", fanInFanOut);
        j.put("inference_mode", true);
        j.put("init_lora_weights", init.toJson());
        j.put("kasa_config", null);
        j.put("layer_replication", null);
        j.put("layers_pattern", layersPattern == null ? null : layersPattern.size() == 1 ? layersPattern.get(0) : layersPattern);
        j.put("layers_to_transform", layersToTransform);
        j.put("loftq_config", loftqConfig == null ? Map.of() : loftqConfig.toJson());
        j.put("lora_alpha", ConfigJson.number(loraAlpha));
        j.put("lora_bias", false);
        j.put("lora_dropout", loraDropout);
        j.put("lora_ga_config", null);
        j.put("megatron_config", null);
        j.put("megatron_core", "megatron.core");
        j.put("modules_to_save", modulesToSave.isEmpty() ? null : modulesToSave);
        j.put("monteclora_config", null);
        j.put("peft_type", PEFT_TYPE);
        j.put("peft_version", PEFT_VERSION);
        j.put("qalora_group_size", 16L);
        j.put("r", (long) r);
        j.put("rank_pattern", new LinkedHashMap<>(rankPattern));
        j.put("revision", null);
        j.put("target_modules", targetModules == null ? null : targetModules.toJson());
        j.put("target_parameters", null);
        j.put("task_type", taskType);
        j.put("trainable_token_indices", null);
        j.put("use_bdlora", null);
        j.put("use_dora", useDora);
        j.put("use_qalora", false);
        j.put("use_rslora", useRslora);
        j.put("velora_config", null);
        return j;
    }

    /**
     * Reads a parsed adapter_config.json. {@code peft_type} must be LORA; a field turning on a feature this module
     * does not implement (LoRA bias, QALoRA, target_parameters, an init_lora_weights form such as eva, ...) is an
     * error naming the file and the field rather than being ignored.
     */
    public static LoraConfig fromJson(Map<String, Object> j, String where) {
        Object type = j.get("peft_type");
        if (type == null) throw new PeftException(where + ": peft_type is missing");
        if (!PEFT_TYPE.equals(type))
            throw new PeftException(where + ": peft_type \"" + type + "\" is not supported (supported: LORA)");
        ConfigFields f = new ConfigFields(j, where);
        f.requireUnset("lora_bias", false, "LoRA bias");
        f.requireUnset("use_qalora", false, "QALoRA");
        for (String field : List.of("target_parameters", "layer_replication", "trainable_token_indices",
                "alora_invocation_tokens", "use_bdlora"))
            if (j.get(field) != null)
                throw new PeftException(where + ": " + field + " is not supported (got " + j.get(field) + ")");
        LoraInit init = LoraInit.fromJson(j.getOrDefault("init_lora_weights", true), where);
        LoftqConfig loftq = init == LoraInit.LOFTQ ? LoftqConfig.fromJson(j.get("loftq_config"), where) : null;
        if (init == LoraInit.LOFTQ && loftq == null)
            throw new PeftException(where + ": init_lora_weights is \"loftq\" but loftq_config is missing or empty");
        return new LoraConfig(
                f.integer("r", 8), f.real("lora_alpha", 8), f.targets("target_modules"), f.targets("exclude_modules"),
                f.real("lora_dropout", 0), Bias.fromPeftName(f.string("bias", "none")), f.strings("modules_to_save"),
                f.bool("use_rslora", false), f.bool("fan_in_fan_out", false), f.integers("layers_to_transform"),
                f.stringOrStrings("layers_pattern"), f.intMap("rank_pattern"), f.realMap("alpha_pattern"), init,
                f.string("base_model_name_or_path", null), f.string("task_type", null), f.bool("use_dora", false),
                loftq);
    }
}
