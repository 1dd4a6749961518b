package cortado.peft.lora;

import cortado.nn.Conv1D;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.Bias;
import cortado.peft.TargetMatcher;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code LoraModel}: LoRA's targets per architecture, its layer on Linear, Conv1D and quantized linear bases,
 * and the biases its {@code bias} field trains and saves besides A and B.
 */
public final class LoraTuner implements Tuner<LoraConfig> {
    /** peft 0.21's {@code TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING} for the families Cortado has. */
    static final Map<String, List<String>> DEFAULT_TARGETS = Map.of(
            "gpt2", List.of("c_attn"),
            "llama", List.of("q_proj", "v_proj"),
            "mistral", List.of("q_proj", "v_proj"),
            "qwen2", List.of("q_proj", "v_proj"),
            "qwen3", List.of("q_proj", "v_proj"),
            "bert", List.of("query", "value"));

    @Override public String peftType() { return LoraConfig.PEFT_TYPE; }

    @Override public Class<LoraConfig> configClass() { return LoraConfig.class; }

    @Override public LoraConfig fromJson(Map<String, Object> json, String where) { return LoraConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return DEFAULT_TARGETS; }

    @Override public boolean canWrap(Module m) { return m instanceof LoraLayer || TargetMatcher.isLinear(m) && !(m instanceof TunerLayer); }

    @Override public String wrapsWhat() { return "Linear, Conv1D and quantized linear layers"; }

    @Override
    public LoraConfig inject(Module root, List<String> targets, String name, LoraConfig config, long seed) {
        LoraConfig c = config;
        // PEFT's _create_new_module corrects fan_in_fan_out to the layer kind (with a warning) and saves the corrected
        // value: true on GPT-2's Conv1D, false on Linear. The delta's layout follows the base layer's class either way.
        boolean conv = targets.stream().anyMatch(p -> unwrapped(root.get(p)) instanceof Conv1D);
        if (conv != c.fanInFanOut()) c = c.withFanInFanOut(conv);
        for (String path : targets) {
            Module m = root.get(path);
            LoraLayer layer = m instanceof LoraLayer l ? l : new LoraLayer(m);
            if (layer != m) root.replace(path, layer);
            layer.addAdapter(name, c.rankFor(path), c.scalingFor(path), c.loraDropout(), c.initLoraWeights(),
                    seed ^ (path.hashCode() * 0x9e3779b97f4a7c15L));
        }
        return c;
    }

    private static Module unwrapped(Module m) { return m instanceof TunerLayer t ? t.baseLayer() : m; }

    /** A and B, and the biases {@code bias} asks for: those of the wrapped layers (lora_only) or every bias (all). */
    @Override
    public Map<String, Parameter> trainable(Module root, String name, LoraConfig c) {
        Map<String, Parameter> out = Tuner.super.trainable(root, name, c);
        if (c.bias() == Bias.LORA_ONLY)
            root.namedModules().forEach((path, m) -> {
                if (m instanceof LoraLayer l && l.adapterNames().contains(name)) {
                    Parameter b = l.baseLayer().ownParameters().get("bias");
                    if (b != null) out.put(path + ".base_layer.bias", b);
                }
            });
        if (c.bias() == Bias.ALL)
            root.namedParameters().forEach((n, p) -> {
                if (n.contains("bias") && !n.contains(".modules_to_save.") && !n.contains(".original_module."))
                    out.put(n, p);
            });
        return out;
    }
}
