package cortado.peft.prefixtuning;

import cortado.peft.prompt.BasePromptEncoder;
import cortado.peft.prompt.PromptLearningLm;
import cortado.peft.prompt.PromptLearningTuner;
import java.util.Map;

/** Prefix tuning as a tuner: {@link PromptLearningTuner} with {@link PrefixEncoder}, keys and values per layer. */
public final class PrefixTuningTuner extends PromptLearningTuner<PrefixTuningConfig> {
    @Override public String peftType() { return PrefixTuningConfig.PEFT_TYPE; }

    @Override public Class<PrefixTuningConfig> configClass() { return PrefixTuningConfig.class; }

    @Override
    public PrefixTuningConfig fromJson(Map<String, Object> json, String where) { return PrefixTuningConfig.fromJson(json, where); }

    @Override
    protected BasePromptEncoder newEncoder(PromptLearningLm lm, PrefixTuningConfig c, long seed) {
        return new PrefixEncoder(c, seed);
    }
}
