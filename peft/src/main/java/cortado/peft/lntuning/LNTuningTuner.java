package cortado.peft.lntuning;

import cortado.nn.LayerNorm;
import cortado.nn.Module;
import cortado.nn.RMSNorm;
import cortado.peft.Tuner;
import java.util.List;
import java.util.Map;

/** PEFT's {@code LNTuningModel}: its default normalization layers per architecture and its layer on them. */
public final class LNTuningTuner implements Tuner<LNTuningConfig> {
    /** peft 0.21's {@code TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING} for the families Cortado has (none for bert). */
    static final Map<String, List<String>> DEFAULT_TARGETS = Map.of(
            "gpt2", List.of("ln_1", "ln_2", "ln_f"),
            "llama", List.of("input_layernorm", "post_attention_layernorm", "norm"),
            "mistral", List.of("input_layernorm", "post_attention_layernorm", "norm"),
            "qwen2", List.of("post_attention_layernorm"),
            "qwen3", List.of("post_attention_layernorm"));

    @Override public String peftType() { return LNTuningConfig.PEFT_TYPE; }

    @Override public Class<LNTuningConfig> configClass() { return LNTuningConfig.class; }

    @Override public LNTuningConfig fromJson(Map<String, Object> json, String where) { return LNTuningConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return DEFAULT_TARGETS; }

    @Override public boolean canWrap(Module m) { return m instanceof LNTuningLayer || m instanceof LayerNorm || m instanceof RMSNorm; }

    @Override public String wrapsWhat() { return "LayerNorm and RMSNorm layers"; }

    @Override
    public LNTuningConfig inject(Module root, List<String> targets, String name, LNTuningConfig c, long seed) {
        for (String path : targets) {
            Module m = root.get(path);
            LNTuningLayer layer = m instanceof LNTuningLayer l ? l : new LNTuningLayer(m);
            if (layer != m) root.replace(path, layer);
            layer.addAdapter(name);
        }
        return c;
    }
}
