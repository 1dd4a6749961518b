package cortado.peft.prompttuning;

import cortado.peft.ConfigFields;
import cortado.peft.PeftException;
import cortado.peft.prompt.PromptFields;
import cortado.peft.prompt.PromptLearningConfig;
import java.util.List;
import java.util.Map;

/**
 * peft 0.21's {@code PromptTuningConfig} (Lester, Al-Rfou and Constant 2021, "The Power of Scale for
 * Parameter-Efficient Prompt Tuning"): P trained embeddings put before the input's, nothing else trains.
 *
 * @param fields              the prompt-learning fields
 * @param init                {@code RANDOM} (N(0, 1), torch's Embedding init), {@code TEXT} (the embeddings of
 *                            {@code initText}'s tokens, cut or repeated to P) or {@code SAMPLE_VOCAB} (embeddings of
 *                            tokens drawn uniformly from the vocabulary)
 * @param initText            the text of a TEXT init, or null
 * @param tokenizerNameOrPath the tokenizer that encodes it (a directory), or null
 */
public record PromptTuningConfig(PromptFields fields, String init, String initText, String tokenizerNameOrPath)
        implements PromptLearningConfig {

    public static final String PEFT_TYPE = "PROMPT_TUNING";
    public static final List<String> INITS = List.of("RANDOM", "TEXT", "SAMPLE_VOCAB");

    public PromptTuningConfig {
        if (!INITS.contains(init))
            throw new PeftException("prompt_tuning_init must be one of " + INITS + ", got " + init);
        if (init.equals("TEXT") && (tokenizerNameOrPath == null || tokenizerNameOrPath.isEmpty()))
            throw new PeftException("When prompt_tuning_init='TEXT', tokenizer_name_or_path can't be " + tokenizerNameOrPath + ".");
        if (init.equals("TEXT") && initText == null)
            throw new PeftException("When prompt_tuning_init='TEXT', prompt_tuning_init_text can't be None.");
    }

    /** P random virtual tokens. */
    public static PromptTuningConfig of(int numVirtualTokens) {
        return new PromptTuningConfig(PromptFields.of(numVirtualTokens), "RANDOM", null, null);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override public boolean prefix() { return false; }

    @Override public PromptTuningConfig withFields(PromptFields f) { return new PromptTuningConfig(f, init, initText, tokenizerNameOrPath); }

    /** The same config initialized another way. */
    public PromptTuningConfig withInit(String how, String text, String tokenizer) {
        return new PromptTuningConfig(fields, how, text, tokenizer);
    }

    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = promptJson(autoMapping);
        j.put("prompt_tuning_init", init);
        j.put("prompt_tuning_init_text", initText);
        j.put("tokenizer_kwargs", null);
        j.put("tokenizer_name_or_path", tokenizerNameOrPath);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is PROMPT_TUNING; errors name {@code where}. */
    public static PromptTuningConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        PromptFields common = PromptFields.fromJson(f);
        return f.read(() -> new PromptTuningConfig(common, f.string("prompt_tuning_init", "RANDOM"),
                f.string("prompt_tuning_init_text", null), f.string("tokenizer_name_or_path", null)));
    }
}
