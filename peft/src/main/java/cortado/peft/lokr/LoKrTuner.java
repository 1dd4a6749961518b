package cortado.peft.lokr;

import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import cortado.peft.lora.LoraTuner;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code LoKrModel}: LoRA's default targets per architecture ({@code TRANSFORMERS_MODELS_TO_LOKR_...} is a copy
 * of LoRA's), rank and alpha per module from rank_pattern / alpha_pattern, and its layer on Linear bases.
 */
public final class LoKrTuner implements Tuner<LoKrConfig> {
    @Override public String peftType() { return LoKrConfig.PEFT_TYPE; }

    @Override public Class<LoKrConfig> configClass() { return LoKrConfig.class; }

    @Override public LoKrConfig fromJson(Map<String, Object> json, String where) { return LoKrConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return LoraTuner.DEFAULT_TARGETS; }

    @Override public boolean canWrap(Module m) { return m instanceof LoKrLayer || m instanceof Linear && !(m instanceof TunerLayer); }

    @Override public String wrapsWhat() { return "Linear layers (peft's LyCORIS layers take torch's Linear and Conv, not GPT-2's Conv1D)"; }

    @Override
    public LoKrConfig inject(Module root, List<String> targets, String name, LoKrConfig c, long seed) {
        for (String path : targets) {
            long s = seed ^ (path.hashCode() * 0x9e3779b97f4a7c15L);
            Module m = root.get(path);
            LoKrLayer layer = m instanceof LoKrLayer l ? l : new LoKrLayer(m, s);
            if (layer != m) root.replace(path, layer);
            layer.addAdapter(name, c.rankFor(path), c.alphaFor(path), c, s);
        }
        return c;
    }
}
