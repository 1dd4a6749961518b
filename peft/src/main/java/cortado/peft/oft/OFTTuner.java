package cortado.peft.oft;

import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import cortado.peft.lora.LoraTuner;
import java.util.List;
import java.util.Map;

/** PEFT's {@code OFTModel}: LoRA's default targets per architecture and its layer on Linear bases. */
public final class OFTTuner implements Tuner<OFTConfig> {
    @Override public String peftType() { return OFTConfig.PEFT_TYPE; }

    @Override public Class<OFTConfig> configClass() { return OFTConfig.class; }

    @Override public OFTConfig fromJson(Map<String, Object> json, String where) { return OFTConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return LoraTuner.DEFAULT_TARGETS; }

    @Override public boolean canWrap(Module m) { return m instanceof OFTLayer || m instanceof Linear && !(m instanceof TunerLayer); }

    @Override public String wrapsWhat() { return "Linear layers (peft's OFT takes Linear, Conv2d and Embedding, not GPT-2's Conv1D)"; }

    @Override
    public OFTConfig inject(Module root, List<String> targets, String name, OFTConfig c, long seed) {
        for (String path : targets)
            Tuner.wrapped(root, path, OFTLayer.class, OFTLayer::new).addAdapter(name, c, Tuner.targetSeed(seed, path));
        return c;
    }
}
