package cortado.peft;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One PEFT method, PEFT's {@code BaseTuner} ({@code LoraModel}, {@code IA3Model}, ...): how its config reads from and
 * is written to a file, the architecture defaults it fills in ({@code _prepare_adapter_config}), which modules it can
 * wrap and how it wraps them ({@code _create_and_replace}), which parameters train for an adapter and the keys they
 * are saved under. {@link PeftModel} does the rest (target matching, modules_to_save, freezing, adapters, merging) the
 * same way for every method.
 *
 * @param <C> the method's config record
 */
public interface Tuner<C extends PeftConfig> {
    /** The prefix of every key PEFT saves ({@code get_peft_model_state_dict} on a {@code PeftModel}). */
    String KEY_PREFIX = "base_model.model.";

    /** The {@code peft_type} this tuner handles. */
    String peftType();

    /** The config class (to check a config handed to the tuner is its own). */
    Class<C> configClass();

    /** Reads a parsed config file; {@code where} (the file) prefixes every error. */
    C fromJson(Map<String, Object> json, String where);

    /** The method's {@code TRANSFORMERS_MODELS_TO_<METHOD>_TARGET_MODULES_MAPPING}: default targets per model_type. */
    Map<String, List<String>> defaultTargets();

    /**
     * PEFT's {@code _prepare_adapter_config} and target resolution: the config with its targets resolved (the
     * default, or all-linear expanded) and every method default filled in, and the modules it adapts. The default
     * resolves through {@link TargetMatcher}.
     */
    default TargetMatcher.Resolved<C> resolve(C config, Module root, String modelType) {
        return TargetMatcher.resolve(config, root, modelType, this);
    }

    /** Whether the method can wrap this module (a matched target of another kind is an error). */
    boolean canWrap(Module m);

    /** The kinds of layer it wraps, for error messages: e.g. "Linear, Conv1D and quantized linear layers". */
    String wrapsWhat();

    /**
     * Wraps each of {@code targets} in the method's layer (or adds adapter {@code name} to the layer that already
     * wraps it) and returns the config as it is saved (PEFT corrects {@code fan_in_fan_out} to the layer kind).
     */
    C inject(Module root, List<String> targets, String name, C config, long seed);

    /**
     * The parameters that train for adapter {@code name} besides modules_to_save, by full dotted name: by default the
     * adapter's own parameters in every {@link TunerLayer}; LoRA adds the biases its {@code bias} field asks for.
     */
    default Map<String, Parameter> trainable(Module root, String name, C config) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        root.namedModules().forEach((path, m) -> {
            if (m instanceof TunerLayer l && l.adapterNames().contains(name))
                l.adapterParameters(name).forEach((k, p) -> out.put(path + "." + k, p));
        });
        return out;
    }

    /**
     * Frozen tensors saved with adapter {@code name} besides what trains, by full dotted name (and loaded back from
     * the file): none by default; LoRA's {@code save_embedding_layers} saves wrapped embedding tables this way.
     */
    default Map<String, Parameter> savedFrozen(Module root, String modelType, String name, C config) {
        return Map.of();
    }

    /**
     * The key a trained or saved parameter is saved under: PEFT's {@code get_peft_model_state_dict}, the prefix
     * {@code base_model.model.}, {@code modules_to_save.} dropped and {@code .<adapter>} dropped
     * ({@code ...c_attn.lora_A.default.weight} -> {@code base_model.model....c_attn.lora_A.weight},
     * {@code ...c_attn.ia3_l.default} -> {@code ...c_attn.ia3_l}). Only whole name segments are dropped (PEFT's plain
     * {@code str.replace} would also cut an adapter "o" out of {@code o_proj}).
     */
    default String savedKey(String fullName, String name) {
        String k = fullName.replace(".modules_to_save." + name + ".", "." + name + ".").replace("." + name + ".", ".");
        if (k.endsWith("." + name)) k = k.substring(0, k.length() - name.length() - 1);
        return KEY_PREFIX + k;
    }

    /**
     * Whether the method trains the base's own tensors in place (BitFit's biases) rather than adapter tensors beside
     * them: such a method has one adapter, cannot be disabled, and trains its modules_to_save in place instead of in a
     * {@link ModulesToSaveWrapper} copy.
     */
    default boolean inPlace() { return false; }

    /**
     * The values saved for adapter {@code name}, by key: by default those of its state dict ({@code stateDict},
     * {@link PeftModel#adapterStateDict}); a prompt encoder saves what it computes ({@code prompt_embeddings}).
     */
    default Map<String, Tensor> savedValues(Module root, String name, C config, Map<String, Parameter> stateDict) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        stateDict.forEach((k, p) -> out.put(k, p.value()));
        return out;
    }

    /**
     * The model a PeftModel of this method runs: the base itself for methods that wrap its layers; prompt learning
     * wraps the whole model, which then puts the virtual tokens in front.
     */
    default CausalLm host(CausalLm base) { return base; }

    /**
     * Tells a method that keeps state outside its layers which adapter is active and whether adapters are on
     * ({@link PeftModel#setAdapter}, {@link PeftModel#disableAdapters}); the layers are told by PeftModel.
     */
    default void activate(Module root, String adapter, boolean enabled) {}

    /** Why the method's adapters cannot be merged into the weights, or null when they can. */
    default String unmergeable() { return null; }

    /** The config as written into {@code dir}: the config itself; X-LoRA points its experts at their saved copies. */
    default C savedConfig(C config, java.nio.file.Path dir) { return config; }

    /** Writes what the method keeps beside its config and weights in {@code dir}: nothing; X-LoRA its experts. */
    default void saveBeside(Module root, String adapter, C config, java.nio.file.Path dir) {}

    /** The config file of an adapter directory. */
    default String configFile() { return AdapterFiles.CONFIG; }

    /** The weights file of an adapter directory. */
    default String weightsFile() { return AdapterFiles.WEIGHTS; }

    /**
     * The module at {@code path}, wrapped in a layer of {@code type}: the one already there (a second adapter on the
     * same target), else {@code wrap} of the module, put in its place.
     */
    static <L extends Module> L wrapped(Module root, String path, Class<L> type, java.util.function.Function<Module, L> wrap) {
        Module m = root.get(path);
        if (type.isInstance(m)) return type.cast(m);
        L layer = wrap.apply(m);
        root.replace(path, layer);
        return layer;
    }

    /** The seed of the adapter at {@code path}: the run's seed mixed with the path, so layers draw different values. */
    static long targetSeed(long seed, String path) { return seed ^ (path.hashCode() * 0x9e3779b97f4a7c15L); }
}
