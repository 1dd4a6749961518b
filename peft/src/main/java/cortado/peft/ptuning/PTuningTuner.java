package cortado.peft.ptuning;

import cortado.peft.prompt.BasePromptEncoder;
import cortado.peft.prompt.PromptLearningLm;
import cortado.peft.prompt.PromptLearningTuner;
import java.util.Map;

/** P-tuning as a tuner: {@link PromptLearningTuner} with the MLP or LSTM {@link PromptEncoder}. */
public final class PTuningTuner extends PromptLearningTuner<PromptEncoderConfig> {
    @Override public String peftType() { return PromptEncoderConfig.PEFT_TYPE; }

    @Override public Class<PromptEncoderConfig> configClass() { return PromptEncoderConfig.class; }

    @Override
    public PromptEncoderConfig fromJson(Map<String, Object> json, String where) { return PromptEncoderConfig.fromJson(json, where); }

    @Override
    protected BasePromptEncoder newEncoder(PromptLearningLm lm, PromptEncoderConfig c, long seed) {
        return new PromptEncoder(c, seed);
    }
}
