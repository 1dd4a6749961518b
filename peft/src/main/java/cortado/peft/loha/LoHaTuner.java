package cortado.peft.loha;

import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import cortado.peft.lora.LoraTuner;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code LoHaModel}: LoRA's default targets per architecture ({@code TRANSFORMERS_MODELS_TO_LOHA_...} is a copy
 * of LoRA's), rank and alpha per module from rank_pattern / alpha_pattern, and its layer on Linear bases.
 */
public final class LoHaTuner implements Tuner<LoHaConfig> {
    @Override public String peftType() { return LoHaConfig.PEFT_TYPE; }

    @Override public Class<LoHaConfig> configClass() { return LoHaConfig.class; }

    @Override public LoHaConfig fromJson(Map<String, Object> json, String where) { return LoHaConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return LoraTuner.DEFAULT_TARGETS; }

    @Override public boolean canWrap(Module m) { return m instanceof LoHaLayer || m instanceof Linear && !(m instanceof TunerLayer); }

    @Override public String wrapsWhat() { return "Linear layers (peft's LyCORIS layers take torch's Linear and Conv, not GPT-2's Conv1D)"; }

    @Override
    public LoHaConfig inject(Module root, List<String> targets, String name, LoHaConfig c, long seed) {
        for (String path : targets) {
            long s = seed ^ (path.hashCode() * 0x9e3779b97f4a7c15L);
            Module m = root.get(path);
            LoHaLayer layer = m instanceof LoHaLayer l ? l : new LoHaLayer(m, s);
            if (layer != m) root.replace(path, layer);
            layer.addAdapter(name, c.rankFor(path), c.alphaFor(path), c, s);
        }
        return c;
    }
}
