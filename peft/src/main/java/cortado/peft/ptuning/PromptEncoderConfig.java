package cortado.peft.ptuning;

import cortado.peft.ConfigFields;
import cortado.peft.PeftException;
import cortado.peft.prompt.PromptFields;
import cortado.peft.prompt.PromptLearningConfig;
import java.util.List;
import java.util.Map;

/**
 * peft 0.21's {@code PromptEncoderConfig}, peft_type {@code P_TUNING} (Liu et al. 2021, "GPT Understands, Too"): the
 * virtual tokens' embeddings pass through a trained reparameterization before going in front of the input: an MLP
 * (Linear-ReLU-Linear-ReLU-Linear through {@code encoder_hidden_size}) or a bidirectional LSTM of
 * {@code encoder_num_layers} layers followed by a two-layer MLP.
 *
 * @param fields            the prompt-learning fields
 * @param encoderType       {@code MLP} (peft's default) or {@code LSTM}
 * @param encoderHiddenSize the encoder's width (null: token_dim)
 * @param encoderNumLayers  the LSTM's layers (default 2; the MLP always has 3 linear layers, as in peft)
 * @param encoderDropout    the LSTM's dropout between layers (default 0; other values are refused)
 */
public record PromptEncoderConfig(PromptFields fields, String encoderType, Integer encoderHiddenSize,
                                  int encoderNumLayers, double encoderDropout) implements PromptLearningConfig {

    public static final String PEFT_TYPE = "P_TUNING";

    public PromptEncoderConfig {
        if (!List.of("MLP", "LSTM").contains(encoderType))
            throw new PeftException("Prompt encoder type not recognized. Please use one of MLP (recommended) or LSTM,"
                    + " got " + encoderType);
        if (encoderDropout != 0)
            throw new PeftException("encoder_dropout = " + encoderDropout + " (dropout between the LSTM's layers) is not"
                    + " supported; 0 is peft's default");
        if (encoderNumLayers <= 0) throw new PeftException("encoder_num_layers must be positive, got " + encoderNumLayers);
    }

    /** P virtual tokens through an encoder of the given type ({@code MLP} or {@code LSTM}), peft's other defaults. */
    public static PromptEncoderConfig of(int numVirtualTokens, String encoderType, Integer hidden) {
        return new PromptEncoderConfig(PromptFields.of(numVirtualTokens), encoderType, hidden, 2, 0);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override public boolean prefix() { return false; }

    @Override
    public PromptEncoderConfig withFields(PromptFields f) {
        return new PromptEncoderConfig(f, encoderType, encoderHiddenSize, encoderNumLayers, encoderDropout);
    }

    /** peft: encoder_hidden_size defaults to token_dim. */
    @Override
    public PromptEncoderConfig withSizeDefaults() {
        return encoderHiddenSize != null ? this
                : new PromptEncoderConfig(fields, encoderType, fields.tokenDim(), encoderNumLayers, encoderDropout);
    }

    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = promptJson(autoMapping);
        j.put("encoder_dropout", encoderDropout);
        j.put("encoder_hidden_size", encoderHiddenSize == null ? null : (Object) (long) encoderHiddenSize);
        j.put("encoder_num_layers", (long) encoderNumLayers);
        j.put("encoder_reparameterization_type", encoderType);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is P_TUNING; errors name {@code where}. */
    public static PromptEncoderConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        PromptFields common = PromptFields.fromJson(f);
        return f.read(() -> new PromptEncoderConfig(common, f.string("encoder_reparameterization_type", "MLP"),
                j.get("encoder_hidden_size") == null ? null : f.integer("encoder_hidden_size", 0),
                f.integer("encoder_num_layers", 2), f.real("encoder_dropout", 0)));
    }
}
