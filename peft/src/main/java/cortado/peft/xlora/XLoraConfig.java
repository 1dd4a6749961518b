package cortado.peft.xlora;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * peft's {@code XLoraConfig} (Buehler and Buehler 2024, "X-LoRA: Mixture of Low-Rank Adapter Experts"): frozen LoRA
 * experts and a trained classifier that weights them per token and layer. Field names and defaults are peft 0.21's.
 *
 * @param hiddenSize          the base's hidden size (the classifier's input)
 * @param adapters            expert name to LoRA adapter directory, in expert order; peft 0.21 loads the i-th as LoRA
 *                            adapter "i" and then activates the experts by these names, so they must be "0", "1", ...
 * @param enableSoftmax       softmax (over the experts) of the classifier's logits / softmax_temperature
 * @param enableSoftmaxTopk   softmax over the nonzero weights of each layer (the top_k_lora kept ones; peft only warns
 *                            when top_k_lora is not set, and then every nonzero weight takes part)
 * @param layerwiseScalings   the classifier gives every LoRA layer its own weights (else one set broadcast to all)
 * @param xloraDepth          classifier depth: 1 is one Linear; d > 1 is Linear, ReLU[, Dropout] (d - 1 times), Linear
 * @param xloraSize           the classifier's hidden width (depth > 1)
 * @param xloraDropoutP       dropout after each hidden ReLU (depth > 1; 0 adds none)
 * @param softmaxTemperature  the logits are divided by it before the softmax
 * @param topKLora            keep only the k largest weights per token and layer, or null for all
 * @param scalingPassValue    every weight in the scaling pass, which computes the hidden state the classifier reads
 * @param globalScalingWeight a factor on every expert's output
 */
public record XLoraConfig(int hiddenSize, Map<String, String> adapters, boolean enableSoftmax, boolean enableSoftmaxTopk,
                          boolean layerwiseScalings, int xloraDepth, int xloraSize, double xloraDropoutP,
                          double softmaxTemperature, Integer topKLora, double scalingPassValue,
                          double globalScalingWeight, String baseModelNameOrPath, String taskType)
        implements PeftConfig {

    public static final String PEFT_TYPE = "XLORA";

    public XLoraConfig {
        if (adapters == null || adapters.isEmpty()) throw new PeftException("X-LoRA needs at least one LoRA expert (adapters)");
        adapters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(adapters));
        int i = 0;
        for (String name : adapters.keySet()) {
            if (!name.equals(Integer.toString(i)))
                throw new PeftException("X-LoRA expert names must be 0, 1, ... in order, got \"" + name + "\" at " + i
                        + " (peft 0.21 loads the i-th expert as LoRA adapter \"i\" and activates the experts by these"
                        + " names)");
            i++;
        }
        if (hiddenSize <= 0) throw new PeftException("hidden_size must be positive, got " + hiddenSize);
        if (xloraDepth <= 0) throw new PeftException("X-LoRA depth must be strictly positive.");
        if (xloraSize <= 0) throw new PeftException("xlora_size must be positive, got " + xloraSize);
        if (!(xloraDropoutP >= 0 && xloraDropoutP < 1))
            throw new PeftException("xlora_dropout_p must be in [0, 1), got " + xloraDropoutP);
        if (!(softmaxTemperature > 0) || Double.isInfinite(softmaxTemperature))
            throw new PeftException("softmax_temperature must be positive, got " + softmaxTemperature);
        if (topKLora != null && (topKLora < 1 || topKLora > adapters.size()))
            throw new PeftException("top_k_lora must be between 1 and the number of experts (" + adapters.size()
                    + "), got " + topKLora);
        if (!Double.isFinite(scalingPassValue)) throw new PeftException("scaling_pass_value must be a number");
        if (!Double.isFinite(globalScalingWeight)) throw new PeftException("global_scaling_weight must be a number");
    }

    /** peft's defaults (xlora_depth 1, xlora_size 2048, dropout 0.2, softmax on, temperature 1) over these experts. */
    public static XLoraConfig of(int hiddenSize, Map<String, String> adapters) {
        return new XLoraConfig(hiddenSize, adapters, true, false, false, 1, 2048, 0.2, 1.0, null, 0.0, 1.0, null,
                "CAUSAL_LM");
    }

    @Override public String peftType() { return PEFT_TYPE; }

    /** X-LoRA targets no modules of its own: its layers are the experts' LoRA layers. */
    @Override public TargetModules targetModules() { return null; }

    @Override public TargetModules excludeModules() { return null; }

    @Override public List<String> modulesToSave() { return List.of(); }

    @Override
    public XLoraConfig withTargets(TargetModules targets) {
        if (targets != null) throw new PeftException("X-LoRA takes no target_modules (its experts' LoRA layers are its layers)");
        return this;
    }

    @Override
    public XLoraConfig withBaseModel(String nameOrPath) {
        return new XLoraConfig(hiddenSize, adapters, enableSoftmax, enableSoftmaxTopk, layerwiseScalings, xloraDepth,
                xloraSize, xloraDropoutP, softmaxTemperature, topKLora, scalingPassValue, globalScalingWeight,
                nameOrPath, taskType);
    }

    /** The same config with the experts found elsewhere (saved copies beside the classifier). */
    public XLoraConfig withAdapters(Map<String, String> a) {
        return new XLoraConfig(hiddenSize, a, enableSoftmax, enableSoftmaxTopk, layerwiseScalings, xloraDepth,
                xloraSize, xloraDropoutP, softmaxTemperature, topKLora, scalingPassValue, globalScalingWeight,
                baseModelNameOrPath, taskType);
    }

    /** The fields peft 0.21 writes for X-LoRA, sorted ({@code use_trainable_adapters} always false here). */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.base(this, autoMapping);
        j.putIfAbsent("auto_mapping", null);
        j.put("adapters", new LinkedHashMap<String, Object>(adapters));
        j.put("enable_softmax", enableSoftmax);
        j.put("enable_softmax_topk", enableSoftmaxTopk);
        j.put("global_scaling_weight", globalScalingWeight);
        j.put("hidden_size", (long) hiddenSize);
        j.put("layerwise_scalings", layerwiseScalings);
        j.put("scaling_pass_value", scalingPassValue);
        j.put("softmax_temperature", softmaxTemperature);
        j.put("top_k_lora", topKLora == null ? null : (long) topKLora);
        j.put("use_trainable_adapters", false);
        j.put("xlora_depth", (long) xloraDepth);
        j.put("xlora_dropout_p", xloraDropoutP);
        j.put("xlora_size", (long) xloraSize);
        return j;
    }

    /**
     * Reads a parsed adapter_config.json whose peft_type is XLORA; {@code where} (the file) prefixes every error. An
     * expert whose directory is saved beside the file ({@code <dir>/<name>}, as {@code save} writes them) is read from
     * there; any other from the path the config names, as peft does.
     */
    public static XLoraConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        f.requireUnset("use_trainable_adapters", false, "trained experts (peft 0.21 saves only the classifier, so they"
                + " would be lost)");
        Object a = j.get("adapters");
        if (!(a instanceof Map<?, ?> m)) throw f.bad("adapters", "an object of expert name to LoRA adapter directory", a);
        Path beside = where == null ? null : Path.of(where).toAbsolutePath().getParent();
        Map<String, String> adapters = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (!(v instanceof String s)) throw f.bad("adapters." + k, "a directory path", v);
            Path saved = beside == null ? null : beside.resolve((String) k);
            adapters.put((String) k, saved != null && Files.isDirectory(saved) ? saved.toString() : s);
        });
        Object topK = j.get("top_k_lora");
        if (topK != null && !(topK instanceof Long)) throw f.bad("top_k_lora", "an integer or null", topK);
        return f.read(() -> new XLoraConfig(f.integer("hidden_size", 4096), adapters, f.bool("enable_softmax", true),
                f.bool("enable_softmax_topk", false), f.bool("layerwise_scalings", false), f.integer("xlora_depth", 1),
                f.integer("xlora_size", 2048), f.real("xlora_dropout_p", 0.2), f.real("softmax_temperature", 1.0),
                topK == null ? null : (int) (long) (Long) topK, f.real("scaling_pass_value", 0.0),
                f.real("global_scaling_weight", 1.0), f.string("base_model_name_or_path", null),
                f.string("task_type", null)));
    }
}
