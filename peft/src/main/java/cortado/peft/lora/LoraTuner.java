package cortado.peft.lora;

import cortado.nn.Conv1D;
import cortado.nn.Embedding;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.Bias;
import cortado.peft.TargetMatcher;
import cortado.peft.TargetModules;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * PEFT's {@code LoraModel}: LoRA's targets per architecture, its layers ({@link LoraLayer} on Linear, Conv1D, 16-bit
 * and quantized linear bases, {@link LoraEmbedding} on Embedding), the biases its {@code bias} field trains and saves
 * besides A and B, and the embedding tables {@code save_embedding_layers} saves with the adapter.
 */
public final class LoraTuner implements Tuner<LoraConfig> {
    /** peft 0.21's {@code TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING} for the families Cortado has. */
    public static final Map<String, List<String>> DEFAULT_TARGETS = Map.of(
            "gpt2", List.of("c_attn"),
            "llama", List.of("q_proj", "v_proj"),
            "mistral", List.of("q_proj", "v_proj"),
            "qwen2", List.of("q_proj", "v_proj"),
            "qwen3", List.of("q_proj", "v_proj"),
            "bert", List.of("query", "value"));

    @Override public String peftType() { return LoraConfig.PEFT_TYPE; }

    @Override public Class<LoraConfig> configClass() { return LoraConfig.class; }

    @Override public LoraConfig fromJson(Map<String, Object> json, String where) { return LoraConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return DEFAULT_TARGETS; }

    @Override
    public boolean canWrap(Module m) {
        return m instanceof LoraModule || (TargetMatcher.isLinear(m) || m instanceof Embedding) && !(m instanceof TunerLayer);
    }

    @Override public String wrapsWhat() { return "Linear, Conv1D, 16-bit, quantized linear and Embedding layers"; }

    @Override
    public LoraConfig inject(Module root, List<String> targets, String name, LoraConfig config, long seed) {
        LoraConfig c = config;
        // PEFT's _create_new_module corrects fan_in_fan_out to the layer kind (with a warning) and saves the corrected
        // value: true on GPT-2's Conv1D, false on Linear. The delta's layout follows the base layer's class either way.
        boolean conv = targets.stream().anyMatch(p -> unwrapped(root.get(p)) instanceof Conv1D);
        if (conv != c.fanInFanOut()) c = c.withFanInFanOut(conv);
        for (String path : targets) {
            Module m = root.get(path);
            LoraModule layer = m instanceof LoraModule l ? l : LoraModule.wrap(m);
            if (layer != m) root.replace(path, (Module) layer);
            layer.addAdapter(name, LoraSpec.of(c, path, Tuner.targetSeed(seed, path)));
        }
        return c;
    }

    private static Module unwrapped(Module m) { return m instanceof TunerLayer t ? t.baseLayer() : m; }

    /** A and B, and the biases {@code bias} asks for: those of the wrapped layers (lora_only) or every bias (all). */
    @Override
    public Map<String, Parameter> trainable(Module root, String name, LoraConfig c) {
        Map<String, Parameter> out = Tuner.super.trainable(root, name, c);
        if (c.bias() == Bias.LORA_ONLY)
            root.namedModules().forEach((path, m) -> {
                if (m instanceof LoraModule l && l.adapterNames().contains(name)) {
                    Parameter b = l.baseLayer().ownParameters().get("bias");
                    if (b != null) out.put(path + ".base_layer.bias", b);
                }
            });
        if (c.bias() == Bias.ALL)
            root.namedParameters().forEach((n, p) -> {
                if (n.contains("bias") && !n.contains(".modules_to_save.") && !n.contains(".original_module."))
                    out.put(n, p);
            });
        return out;
    }

    /**
     * peft's {@code save_embedding_layers="auto"} (get_peft_model_state_dict): when target_modules names
     * {@code embed_tokens} or {@code lm_head} (peft's EMBEDDING_LAYER_NAMES; a regex matching such a module), the
     * wrapped input and output embeddings' base weights are saved with the adapter (and loaded back from it). GPT-2's
     * {@code wte} is not such a name, so its table is not saved.
     */
    @Override
    public Map<String, Parameter> savedFrozen(Module root, String modelType, String name, LoraConfig config) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        if (!savesEmbeddingLayers(root, config)) return out;
        for (String path : List.of(inputEmbeddingsPath(modelType), "lm_head"))
            if (root.namedModules().get(path) instanceof LoraModule l && l.adapterNames().contains(name))
                l.baseLayer().ownParameters().forEach((n, p) -> out.put(path + ".base_layer." + n, p));
        return out;
    }

    private static boolean savesEmbeddingLayers(Module root, LoraConfig c) {
        TargetModules t = c.targetModules();
        if (t.names() != null) return t.names().contains("embed_tokens") || t.names().contains("lm_head");
        Pattern target = Pattern.compile(t.regex());
        for (String module : root.namedModules().keySet())
            if (module.matches("(.*\\.)?(embed_tokens|lm_head)") && target.matcher(module).matches()) return true;
        return false;
    }

    /** The input embedding's module (transformers' get_input_embeddings) for the families Cortado has. */
    private static String inputEmbeddingsPath(String modelType) {
        return "gpt2".equals(modelType) ? "transformer.wte" : "model.embed_tokens";
    }
}
