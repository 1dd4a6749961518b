package cortado.peft.trainabletokens;

import cortado.nn.Embedding;
import cortado.nn.Module;
import cortado.peft.PeftException;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code TrainableTokensModel}: the default target is the input embedding. A model whose head is tied to the
 * embedding (no lm_head module: GPT-2, tied Llamas) is refused: peft then also wraps the head with an adapter tied to
 * the embedding's, which Cortado does not have yet.
 */
public final class TrainableTokensTuner implements Tuner<TrainableTokensConfig> {
    /** peft's {@code _get_input_embeddings_name} for the families Cortado has. */
    static final Map<String, List<String>> DEFAULT_TARGETS = Map.of(
            "gpt2", List.of("wte"),
            "llama", List.of("embed_tokens"),
            "mistral", List.of("embed_tokens"),
            "qwen2", List.of("embed_tokens"),
            "qwen3", List.of("embed_tokens"));

    @Override public String peftType() { return TrainableTokensConfig.PEFT_TYPE; }

    @Override public Class<TrainableTokensConfig> configClass() { return TrainableTokensConfig.class; }

    @Override
    public TrainableTokensConfig fromJson(Map<String, Object> json, String where) {
        return TrainableTokensConfig.fromJson(json, where);
    }

    @Override public Map<String, List<String>> defaultTargets() { return DEFAULT_TARGETS; }

    @Override
    public boolean canWrap(Module m) {
        return m instanceof TrainableTokensLayer || m instanceof Embedding && !(m instanceof TunerLayer);
    }

    @Override public String wrapsWhat() { return "Embedding layers"; }

    @Override
    public TrainableTokensConfig inject(Module root, List<String> targets, String name, TrainableTokensConfig c,
                                        long seed) {
        if (!root.namedModules().containsKey("lm_head"))
            throw new PeftException("TRAINABLE_TOKENS on a model whose head is tied to its embedding is not supported"
                    + " (peft wraps the tied head too; Cortado does not yet)");
        for (String path : targets)
            Tuner.wrapped(root, path, TrainableTokensLayer.class, TrainableTokensLayer::new)
                    .addAdapter(name, c, Tuner.targetSeed(seed, path));
        return c;
    }
}
