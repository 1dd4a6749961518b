package cortado.peft.prefixtuning;

import cortado.peft.ConfigFields;
import cortado.peft.PeftException;
import cortado.peft.prompt.PromptFields;
import cortado.peft.prompt.PromptLearningConfig;
import java.util.Map;

/**
 * peft 0.21's {@code PrefixTuningConfig} (Li and Liang 2021, "Prefix-Tuning: Optimizing Continuous Prompts for
 * Generation"; without the projection it is P-tuning v2's deep prompts, Liu et al. 2022): every layer's attention gets
 * P trained past keys and values, {@code [B, heads, P, head_dim]}, that every token attends to.
 *
 * @param fields            the prompt-learning fields
 * @param prefixProjection  the reparameterization: {@code [P, C]} embeddings through Linear(C, H)-Tanh-
 *                          Linear(H, L * 2 * C) (false: the keys and values are the table itself)
 * @param encoderHiddenSize the projection's width H (null: token_dim)
 * @param zeroInit          peft's {@code init_weights = "zero"}: the table (or the projection's last layer) starts at
 *                          zero, so the prefix's values are zero; default: random
 */
public record PrefixTuningConfig(PromptFields fields, boolean prefixProjection, Integer encoderHiddenSize,
                                 boolean zeroInit) implements PromptLearningConfig {

    public static final String PEFT_TYPE = "PREFIX_TUNING";

    /** P virtual tokens with or without the projection, peft's other defaults. */
    public static PrefixTuningConfig of(int numVirtualTokens, boolean projection, Integer hidden) {
        return new PrefixTuningConfig(PromptFields.of(numVirtualTokens), projection, hidden, false);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override public boolean prefix() { return true; }

    @Override
    public PrefixTuningConfig withFields(PromptFields f) {
        return new PrefixTuningConfig(f, prefixProjection, encoderHiddenSize, zeroInit);
    }

    /** peft: encoder_hidden_size defaults to token_dim. */
    @Override
    public PrefixTuningConfig withSizeDefaults() {
        return encoderHiddenSize != null ? this : new PrefixTuningConfig(fields, prefixProjection, fields.tokenDim(), zeroInit);
    }

    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = promptJson(autoMapping);
        j.put("encoder_hidden_size", encoderHiddenSize == null ? null : (Object) (long) encoderHiddenSize);
        j.put("init_weights", zeroInit ? "zero" : null);
        j.put("prefix_projection", prefixProjection);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is PREFIX_TUNING; errors name {@code where}. */
    public static PrefixTuningConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        PromptFields common = PromptFields.fromJson(f);
        String init = f.string("init_weights", null);
        if (init != null && !init.equals("zero")) throw f.bad("init_weights", "\"zero\" or null", init);
        return f.read(() -> new PrefixTuningConfig(common, f.bool("prefix_projection", false),
                j.get("encoder_hidden_size") == null ? null : f.integer("encoder_hidden_size", 0), init != null));
    }
}
