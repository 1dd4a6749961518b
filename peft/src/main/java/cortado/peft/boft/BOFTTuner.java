package cortado.peft.boft;

import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import cortado.peft.lora.LoraTuner;
import java.util.List;
import java.util.Map;

/** PEFT's {@code BOFTModel}: LoRA's default targets per architecture (peft's BOFT mapping is the same) on Linear bases. */
public final class BOFTTuner implements Tuner<BOFTConfig> {
    @Override public String peftType() { return BOFTConfig.PEFT_TYPE; }

    @Override public Class<BOFTConfig> configClass() { return BOFTConfig.class; }

    @Override public BOFTConfig fromJson(Map<String, Object> json, String where) { return BOFTConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return LoraTuner.DEFAULT_TARGETS; }

    @Override public boolean canWrap(Module m) { return m instanceof BOFTLayer || m instanceof Linear && !(m instanceof TunerLayer); }

    @Override public String wrapsWhat() { return "Linear layers (peft's BOFT takes Linear and Conv2d, not GPT-2's Conv1D)"; }

    @Override
    public BOFTConfig inject(Module root, List<String> targets, String name, BOFTConfig c, long seed) {
        for (String path : targets)
            Tuner.wrapped(root, path, BOFTLayer.class, BOFTLayer::new)
                    .addAdapter(name, c, Tuner.targetSeed(seed, path));
        // peft warns and sets fan_in_fan_out to False on a Linear target, and saves that
        return c.fanInFanOut() ? new BOFTConfig(c.boftBlockSize(), c.boftBlockNum(), c.boftNButterflyFactor(),
                c.boftDropout(), c.targetModules(), c.excludeModules(), false, c.modulesToSave(), c.initWeights(),
                c.layersToTransform(), c.layersPattern(), c.baseModelNameOrPath(), c.taskType()) : c;
    }
}
