package cortado.peft.prompt;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftException;
import cortado.peft.TargetMatcher;
import cortado.peft.Tuner;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the prompt-learning methods share as tuners (peft's {@code PeftModel} prompt-learning branch): the model is
 * wrapped whole ({@link PromptLearningLm}), the sizes come from the base's config, no module is adapted, the adapter's
 * parameters are its encoder's ({@code prompt_encoder.<adapter>.}), and the file holds one tensor,
 * {@code prompt_embeddings}: the encoder's output (peft's {@code get_prompt_embedding_to_save}), so an adapter read from
 * a file is that table. Nothing merges into the weights.
 *
 * @param <C> the method's config
 */
public abstract class PromptLearningTuner<C extends PromptLearningConfig> implements Tuner<C> {
    /** The one key of a prompt adapter's weights file. */
    public static final String KEY = "prompt_embeddings";

    /** A new (trainable) encoder of the method for the resolved config. */
    protected abstract BasePromptEncoder newEncoder(PromptLearningLm lm, C config, long seed);

    /** The width of each virtual token's row in the encoder's output. */
    static int width(PromptLearningConfig c) {
        PromptFields f = c.fields();
        return c.prefix() ? f.numLayers() * 2 * f.tokenDim() : f.tokenDim();
    }

    @Override public Map<String, List<String>> defaultTargets() { return Map.of(); }

    private static PromptLearningLm lm(Module root) {
        if (!(root instanceof PromptLearningLm lm))
            throw new PeftException("prompt learning wraps a causal LM as a whole (PeftModel.wrap), not a "
                    + root.getClass().getSimpleName());
        return lm;
    }

    @Override
    @SuppressWarnings("unchecked")
    public TargetMatcher.Resolved<C> resolve(C config, Module root, String modelType) {
        PromptFields f = config.fields().resolve(lm(root).base().config().toHfJson(), config.prefix());
        return new TargetMatcher.Resolved<>((C) config.withFields(f).withSizeDefaults(), List.of());
    }

    @Override public boolean canWrap(Module m) { return false; }

    @Override public String wrapsWhat() { return "no layers (prompt learning adds virtual tokens in front of the input)"; }

    @Override
    public C inject(Module root, List<String> targets, String name, C c, long seed) {
        PromptLearningLm lm = lm(root);
        lm.addAdapter(name, c, c.fields().inferenceMode() ? new BasePromptEncoder.Table(c.fields().totalVirtualTokens(),
                width(c)) : newEncoder(lm, c, seed));
        return c;
    }

    @Override
    public Map<String, Parameter> trainable(Module root, String name, C config) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        lm(root).encoder(name).namedParameters().forEach((k, p) -> out.put("prompt_encoder." + name + "." + k, p));
        return out;
    }

    /** The table is {@code prompt_embeddings}; an encoder's other parameters keep their names (never in a file). */
    @Override
    public String savedKey(String fullName, String name) {
        return fullName.equals("prompt_encoder." + name + ".embedding.weight") ? KEY : fullName;
    }

    @Override
    public Map<String, Tensor> savedValues(Module root, String name, C config, Map<String, Parameter> stateDict) {
        return Map.of(KEY, lm(root).encoder(name).saved());
    }

    @Override public CausalLm host(CausalLm base) { return new PromptLearningLm(base); }

    @Override public void activate(Module root, String adapter, boolean enabled) { lm(root).activate(adapter, enabled); }

    @Override
    public String unmergeable() {
        return peftType() + " adds virtual tokens in front of the input, not weights: there is nothing to merge"
                + " (peft cannot merge prompt learning either)";
    }
}
