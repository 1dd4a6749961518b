package cortado.peft.prompttuning;

import cortado.peft.prompt.BasePromptEncoder;
import cortado.peft.prompt.PromptLearningLm;
import cortado.peft.prompt.PromptLearningTuner;
import java.util.Map;

/** Prompt tuning as a tuner: {@link PromptLearningTuner} with {@link PromptEmbedding}. */
public final class PromptTuningTuner extends PromptLearningTuner<PromptTuningConfig> {
    @Override public String peftType() { return PromptTuningConfig.PEFT_TYPE; }

    @Override public Class<PromptTuningConfig> configClass() { return PromptTuningConfig.class; }

    @Override
    public PromptTuningConfig fromJson(Map<String, Object> json, String where) { return PromptTuningConfig.fromJson(json, where); }

    @Override
    protected BasePromptEncoder newEncoder(PromptLearningLm lm, PromptTuningConfig c, long seed) {
        return new PromptEmbedding(c, lm.base(), seed);
    }
}
