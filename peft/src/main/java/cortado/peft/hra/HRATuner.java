package cortado.peft.hra;

import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import cortado.peft.lora.LoraTuner;
import java.util.List;
import java.util.Map;

/** PEFT's {@code HRAModel}: LoRA's default targets per architecture and its layer on Linear bases. */
public final class HRATuner implements Tuner<HRAConfig> {
    @Override public String peftType() { return HRAConfig.PEFT_TYPE; }

    @Override public Class<HRAConfig> configClass() { return HRAConfig.class; }

    @Override public HRAConfig fromJson(Map<String, Object> json, String where) { return HRAConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return LoraTuner.DEFAULT_TARGETS; }

    @Override public boolean canWrap(Module m) { return m instanceof HRALayer || m instanceof Linear && !(m instanceof TunerLayer); }

    @Override public String wrapsWhat() { return "Linear layers (peft's HRA takes Linear and Conv2d, not GPT-2's Conv1D)"; }

    @Override
    public HRAConfig inject(Module root, List<String> targets, String name, HRAConfig c, long seed) {
        for (String path : targets)
            Tuner.wrapped(root, path, HRALayer.class, HRALayer::new).addAdapter(name, c, Tuner.targetSeed(seed, path));
        return c;
    }
}
